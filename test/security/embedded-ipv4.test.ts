import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import ipaddr from 'ipaddr.js';
import { runCli } from '../helpers/run-cli.js';
import { exchange } from '../../src/net/exchange.js';
import { NetOptionsSchema } from '../../src/net/options.js';

// Issue 13.3 / 17.7: every IPv6 form that embeds an IPv4 address is refused, ::/96 included (ipaddr.js calls it unicast).

/** IPv4 addresses the policy refuses, one per reason. */
const REFUSED_V4 = ['127.0.0.1', '169.254.169.254', '10.1.2.3', '192.168.1.1', '100.100.100.200', '0.0.0.0'];
const hex = (v4: string) => {
  const [a, b, c, d] = ipaddr.IPv4.parse(v4).octets;
  return [((a! << 8) | b!).toString(16), ((c! << 8) | d!).toString(16)];
};
const inv = (w: string) => (parseInt(w, 16) ^ 0xffff).toString(16);
/** Each embedding form, written the ways a resolver or a URL could hand it to us. */
const FORMS: [string, (v4: string) => string][] = [
  ['IPv4-compatible ::/96, hex', (v) => `::${hex(v).join(':')}`],
  ['IPv4-compatible ::/96, dotted', (v) => `::${v}`],
  ['IPv4-mapped ::ffff:0:0/96', (v) => `::ffff:${v}`],
  ['IPv4-translated ::ffff:0:0:0/96', (v) => `::ffff:0:${hex(v).join(':')}`],
  ['NAT64 64:ff9b::/96', (v) => `64:ff9b::${hex(v).join(':')}`],
  ['local NAT64 64:ff9b:1::/48', (v) => `64:ff9b:1::${hex(v).join(':')}`],
  ['6to4 2002::/16', (v) => `2002:${hex(v).join(':')}::1`],
  ['Teredo 2001::/32 (server)', (v) => `2001:0:${hex(v).join(':')}::1`],
  ['Teredo 2001::/32 (client, inverted)', (v) => `2001:0:4136:e378:8000:63bf:${hex(v).map(inv).join(':')}`],
];

test(`${FORMS.length} embedding forms × ${REFUSED_V4.length} refused IPv4 addresses: each refused before any connection, even with a lab CIDR open`, async () => {
  let connections = 0;
  const target = createServer((s) => {
    connections++;
    s.destroy();
  });
  await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
  const port = (target.address() as AddressInfo).port;
  try {
    for (const lab of [false, ['127.0.0.1/32', '10.0.0.0/8']] as const) {
      for (const [form, make] of FORMS) {
        for (const v4 of REFUSED_V4) {
          // ::ffff:127.0.0.1 IS 127.0.0.1 to the kernel: a lab range that opens the IPv4 address opens its mapped form.
          if (lab && form.startsWith('IPv4-mapped') && ['127.0.0.1', '10.1.2.3'].includes(v4)) continue;
          const addr = make(v4);
          const net = NetOptionsSchema.parse({ allowPrivate: lab, connectTimeoutMs: 500, hosts: { 'target.example': [addr] } });
          for (const url of [`https://target.example:${port}/`, `https://[${addr}]:${port}/`]) {
            const ex = await exchange({ label: 't', method: 'GET', url, headers: [], timeoutMs: 1000 }, net);
            assert.equal(ex.error?.kind, 'blocked', `${form} ${addr} (${url}, lab ${lab}): ${JSON.stringify(ex.error)}`);
            assert.match(ex.error!.message, /OpenCX cannot reach it either/);
          }
        }
      }
    }
  } finally {
    target.close();
  }
  assert.equal(connections, 0, 'nothing reached the target');
});

test('global unicast IPv6 and public IPv4 stay allowed; unallocated IPv6 space is not', async () => {
  const { classifyAddress } = await import('../../src/net/address-policy.js');
  for (const a of ['2606:4700::1111', '2001:4860:4860::8888', '8.8.8.8', '::ffff:8.8.8.8']) assert.equal(classifyAddress(a).allowed, true, a);
  for (const a of ['4000::1', '::8.8.8.8', '::808:808', '64:ff9b:1::808:808']) assert.equal(classifyAddress(a).allowed, false, a);
});

test('the CLI, as a process: [::127.0.0.1], [::a9fe:a9fe] and names answering embedded forms are refused as private, with the reason', async () => {
  const cases: [string[], RegExp][] = [
    [['--endpoint', 'https://[::127.0.0.1]/orders'], /IPv4-compatible IPv6 address .*carrying 127\.0\.0\.1/],
    [['--endpoint', 'https://[::a9fe:a9fe]/latest/meta-data/'], /IPv4-compatible IPv6 address .*carrying 169\.254\.169\.254/],
    [['--endpoint', 'https://nat64.example/', '--resolve', 'nat64.example=64:ff9b:1::a9fe:a9fe'], /local-use NAT64 .*carrying 169\.254\.169\.254/],
    [['--endpoint', 'https://sixtofour.example/', '--resolve', 'sixtofour.example=2002:7f00:1::1'], /6to4 .*carrying 127\.0\.0\.1/],
  ];
  const runs = await Promise.all(cases.map(([args]) => runCli(['diagnose', ...args, '--json', '--quiet', '--timeout', '2'], { ACTION_DEBUG_ALLOW_PRIVATE: '127.0.0.1/32' })));
  for (const [i, r] of runs.entries()) {
    assert.equal(r.code, 1, r.stderr);
    const report = JSON.parse(r.stdout) as { verdict: { cause: string }; probes: { id: string; exchanges?: { error?: { kind: string; message: string } }[] }[] };
    assert.equal(report.verdict.cause, 'private-address', cases[i]![0].join(' '));
    assert.match(r.stdout, cases[i]![1]);
  }
});
