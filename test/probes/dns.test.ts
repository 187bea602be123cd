import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dnsProbe, type DnsEvidence } from '../../src/probes/dns.js';
import { parseDiagnosisInput } from '../../src/pipeline/input.js';
import { NetOptionsSchema, type NetOptionsDraft } from '../../src/net/options.js';
import type { ProbeContext } from '../../src/pipeline/probe.js';

const input = parseDiagnosisInput({ endpoint: 'https://api.example.com/orders/{id}' });
const ev = (addresses: string[], extra: Partial<DnsEvidence> = {}): DnsEvidence => ({ exchanges: [], host: 'api.example.com', addresses, error: null, allowPrivate: false, facts: {}, ...extra });
const ids = (e: DnsEvidence) => dnsProbe.assess(e, input).map((f) => `${f.id}:${f.severity}`);

test('no address at all is dns-no-answer (family 3), with the host and the resolver error as evidence', () => {
  const [f, ...rest] = dnsProbe.assess(ev([], { error: 'ENOTFOUND: getaddrinfo ENOTFOUND api.example.com' }), input);
  assert.equal(rest.length, 0);
  assert.equal(f!.id, 'dns-no-answer');
  assert.equal(f!.family, 3);
  assert.equal(f!.severity, 'error');
  assert.deepEqual(f!.evidence, ['api.example.com: ENOTFOUND: getaddrinfo ENOTFOUND api.example.com']);
  assert.deepEqual(dnsProbe.assess(ev([]), input)[0]!.evidence, ['api.example.com: no A/AAAA records']);
});

test('only private, loopback or link-local answers are dns-private-only, naming each address', () => {
  for (const addrs of [['10.0.0.5'], ['127.0.0.1', '::1'], ['192.168.1.2', '169.254.169.254'], ['172.16.0.1', 'fd00::1']]) {
    const fs = dnsProbe.assess(ev(addrs), input);
    assert.deepEqual(fs.map((f) => `${f.id}:${f.severity}`), ['dns-private-only:error'], addrs.join());
    for (const a of addrs) assert.ok(fs[0]!.evidence.some((e) => e.startsWith(`api.example.com → ${a}: `)), a);
  }
});

test('one public answer among private ones is enough: OpenCX can connect', () => {
  assert.deepEqual(ids(ev(['93.184.215.14'])), []);
  assert.deepEqual(ids(ev(['10.0.0.5', '93.184.215.14'])), []);
  assert.deepEqual(ids(ev(['2606:2800:21f:cb07:6820:80da:af6b:8b2c'])), []);
});

test('with --allow-private (lab/test mode), private answers are an info note, not a problem', () => {
  assert.deepEqual(ids(ev(['127.0.0.1'], { allowPrivate: true })), ['dns-private-only:info']);
  assert.deepEqual(ids(ev(['127.0.0.1'], { allowPrivate: ['127.0.0.1/32'] })), ['dns-private-only:info']);
  assert.match(dnsProbe.assess(ev(['127.0.0.1'], { allowPrivate: true }), input)[0]!.title, /allow-private/);
});

function ctx(endpoint: string, net: NetOptionsDraft): ProbeContext {
  return { input: parseDiagnosisInput({ endpoint }), net: NetOptionsSchema.parse(net), signal: new AbortController().signal, baseline: new Promise(() => {}), services: {} } as unknown as ProbeContext;
}

test('real gather: hosts overrides and a custom resolver feed the verdict; a resolver failure becomes the evidence', async () => {
  const seen: string[] = [];
  const resolver = async (h: string) => {
    seen.push(h);
    if (h === 'gone.example') throw Object.assign(new Error(`queryA ENOTFOUND ${h}`), { code: 'ENOTFOUND' });
    return h === 'intranet.example' ? ['10.1.2.3'] : ['93.184.215.14'];
  };
  const pub = await dnsProbe.gather(ctx('https://api.example.com/x', { resolver }));
  assert.deepEqual(pub.addresses, ['93.184.215.14']);
  assert.equal(pub.facts?.['addresses'], '93.184.215.14');
  assert.deepEqual(dnsProbe.assess(pub, input), []);

  const intranet = await dnsProbe.gather(ctx('https://intranet.example/x', { resolver }));
  assert.deepEqual(dnsProbe.assess(intranet, input).map((f) => f.id), ['dns-private-only']);

  const gone = await dnsProbe.gather(ctx('https://gone.example/x', { resolver }));
  assert.equal(gone.facts?.['addresses'], '(none)');
  assert.match(gone.error ?? '', /^ENOTFOUND: /);
  assert.deepEqual(dnsProbe.assess(gone, input).map((f) => f.id), ['dns-no-answer']);

  const listed = await dnsProbe.gather(ctx('https://lab.example/x', { resolver, hosts: { 'lab.example': [] } }));
  assert.deepEqual(dnsProbe.assess(listed, input).map((f) => f.id), ['dns-no-answer'], 'an empty hosts entry means no answer');
  assert.ok(!seen.includes('lab.example'), 'hosts entries are consulted before DNS');
});
