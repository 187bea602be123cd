import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exchange } from '../../src/net/exchange.js';
import { handshake } from '../../src/net/handshake.js';
import { fetchText } from '../../src/net/fetch-text.js';
import { NetOptionsSchema, type NetOptionsDraft } from '../../src/net/options.js';
import { classifyAddress } from '../../src/net/address-policy.js';

const net = (o: NetOptionsDraft = {}) => NetOptionsSchema.parse({ connectTimeoutMs: 1000, ...o });

// Every one of these must be refused before any packet leaves: the guard answers, not the network.
const ATTEMPTS: [string, string, NetOptionsDraft?][] = [
  ['https://127.0.0.1/', 'loopback'],
  ['https://127.1/', 'loopback'],
  ['https://0x7f.0.0.1/', 'loopback'],
  ['https://0177.0.0.1/', 'loopback'],
  ['https://2130706433/', 'loopback'],
  ['https://127.255.255.254/', 'loopback'],
  ['https://[::1]/', 'loopback'],
  ['https://[::ffff:127.0.0.1]/', 'loopback'],
  ['https://[::ffff:7f00:1]/', 'loopback'],
  ['https://localhost/', 'loopback'],
  ['https://api.localhost/', 'loopback'],
  ['https://10.0.0.1/', 'private network'],
  ['https://172.16.5.4/', 'private network'],
  ['https://192.168.1.1/', 'private network'],
  ['https://[::ffff:192.168.1.1]/', 'private network'],
  ['https://169.254.169.254/latest/meta-data/', 'link-local'],
  ['https://[::ffff:169.254.169.254]/latest/meta-data/', 'link-local'],
  ['https://[fe80::1]/', 'link-local'],
  ['https://[fd00:ec2::254]/latest/meta-data/', 'unique-local'],
  ['https://100.100.100.200/latest/meta-data/', 'carrier-grade NAT'],
  ['https://100.64.0.1/', 'carrier-grade NAT'],
  ['https://0.0.0.0/', 'unspecified'],
  ['https://0/', 'unspecified'],
  ['https://[::]/', 'unspecified'],
  ['https://224.0.0.1/', 'multicast'],
  ['https://[ff02::1]/', 'multicast'],
  ['https://255.255.255.255/', 'broadcast'],
  ['https://[64:ff9b::7f00:1]/', 'NAT64'],
  ['https://[2002:7f00:1::]/', '6to4'],
  ['https://192.0.0.8/', 'reserved'],
  ['https://[2001:db8::1]/', 'reserved'],
  ['https://metadata.google.internal/computeMetadata/v1/', 'private or metadata zone'],
  ['https://printer.local/', 'private or metadata zone'],
  ['https://rebind.example/', 'loopback', { hosts: { 'rebind.example': ['127.0.0.1'] } }],
  ['https://mixed.example/', 'private network', { hosts: { 'mixed.example': ['93.184.216.34', '10.1.2.3'] } }],
  ['https://v6.example/', 'loopback', { hosts: { 'v6.example': ['::1'] } }],
];

test(`the SSRF guard refuses ${ATTEMPTS.length} attempts, each with its reason`, async () => {
  assert.ok(ATTEMPTS.length >= 30);
  for (const [url, reason, o] of ATTEMPTS) {
    const ex = await exchange({ label: 't', method: 'GET', url, headers: [], timeoutMs: 2000 }, net(o));
    assert.equal(ex.error?.kind, 'blocked', `${url}: expected a refusal, got ${JSON.stringify(ex.error ?? ex.response?.status)}`);
    assert.match(ex.error!.message, new RegExp(reason), url);
    assert.match(ex.error!.message, /OpenCX cannot reach it either/, url);
    assert.equal(ex.response, null);
  }
});

test('the TLS handshake probe goes through the same guard', async () => {
  const r = await handshake(new URL('https://169.254.169.254/'), net(), 1000);
  assert.equal(r.error?.code, 'ERR_SSRF_BLOCKED');
  assert.equal(r.tcpConnected, false);
  const r2 = await handshake(new URL('https://meta.example/'), net({ hosts: { 'meta.example': ['169.254.169.254'] } }), 1000);
  assert.equal(r2.error?.code, 'ERR_SSRF_BLOCKED');
});

test('a host is resolved once: an answer that changes on a second lookup is never consulted', async () => {
  let calls = 0;
  const resolver = async () => (++calls === 1 ? ['127.0.0.1'] : ['93.184.216.34']);
  const ex = await exchange({ label: 't', method: 'GET', url: 'https://flip.example/', headers: [], timeoutMs: 2000 }, net({ resolver }));
  assert.equal(ex.error?.kind, 'blocked');
  assert.equal(calls, 1);
});

test('public unicast addresses are allowed by the policy (classification only, nothing is contacted)', () => {
  for (const a of ['8.8.8.8', '2606:4700::1111', '93.184.216.34']) {
    assert.equal(classifyAddress(a).allowed, true, a);
  }
});

test('a CIDR list opens only those ranges: 127.0.0.1 allowed, the metadata address still refused', async () => {
  const o = net({ allowPrivate: ['127.0.0.1/32'] });
  const meta = await exchange({ label: 't', method: 'GET', url: 'https://169.254.169.254/', headers: [], timeoutMs: 2000 }, o);
  assert.equal(meta.error?.kind, 'blocked');
  const other = await exchange({ label: 't', method: 'GET', url: 'https://127.0.0.2:9/', headers: [], timeoutMs: 2000 }, o);
  assert.equal(other.error?.kind, 'blocked');
  // 127.0.0.1 passes the guard and reaches the (closed) port: refused by the OS, not by us.
  const open = await exchange({ label: 't', method: 'GET', url: 'https://127.0.0.1:9/', headers: [], timeoutMs: 2000 }, o);
  assert.equal(open.error?.kind, 'refused');
});

test('fetchText refuses http:// and private targets with a sentence, not a stack trace', async () => {
  await assert.rejects(fetchText('http://example.com/spec.yaml', { net: net(), maxBytes: 1000, timeoutMs: 1000 }), /only https/);
  await assert.rejects(fetchText('https://10.0.0.5/spec.yaml', { net: net(), maxBytes: 1000, timeoutMs: 1000 }), /private network.*OpenCX cannot reach it either/);
});

test('a redirect from an allowed lab host to a blocked address is refused at the hop', async () => {
  const { createRootCa, issueServerCert } = await import('../../src/lab/certs.js');
  const https = await import('node:https');
  const ca = await createRootCa();
  const cert = await issueServerCert(ca, ['spec.lab.test']);
  let hits = 0;
  const server = https.createServer({ key: cert.keyPem, cert: cert.certPem }, (_req, res) => {
    hits++;
    res.writeHead(302, { location: 'https://169.254.169.254/latest/meta-data/iam' });
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as import('node:net').AddressInfo).port;
  try {
    const o = net({ allowPrivate: ['127.0.0.1/32'], extraCa: [ca.certPem], hosts: { 'spec.lab.test': ['127.0.0.1'] } });
    await assert.rejects(
      fetchText(`https://spec.lab.test:${port}/openapi.json`, { net: o, maxBytes: 10_000, timeoutMs: 2000 }),
      /169\.254\.169\.254 is link-local.*OpenCX cannot reach it either/,
    );
    assert.equal(hits, 1, 'the allowed first hop was really fetched');
  } finally {
    server.close();
  }
});
