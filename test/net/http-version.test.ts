import { test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { exchange } from '../../src/net/exchange.js';
import { NetOptionsSchema } from '../../src/net/options.js';
import { createRootCa, issueServerCert } from '../../src/lab/certs.js';

// undici 8 turned HTTP/2 on by default (ALPN). A server that offers both must still be probed over HTTP/1.1, as before
// the upgrade: the header and timing evidence, and the lab, are HTTP/1.1.
test('a server offering h2 and http/1.1 is probed over HTTP/1.1', async () => {
  const ca = await createRootCa();
  const cert = await issueServerCert(ca, ['h2.example']);
  const seen: string[] = [];
  const server = http2.createSecureServer({ key: cert.keyPem, cert: cert.certPem, allowHTTP1: true }, (req, res) => {
    seen.push(req.httpVersion);
    res.setHeader('content-type', 'application/json');
    res.end('{"ok":true}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  try {
    const net = NetOptionsSchema.parse({ allowPrivate: true, hosts: { 'h2.example': ['127.0.0.1'] }, extraCa: [ca.certPem] });
    const ex = await exchange({ label: 't', method: 'GET', url: `https://h2.example:${port}/`, headers: [], timeoutMs: 5000 }, net);
    assert.equal(ex.error, null, JSON.stringify(ex.error));
    assert.equal(ex.response?.status, 200);
    assert.equal(ex.tls?.authorized, true);
    assert.deepEqual(seen, ['1.1']);
  } finally {
    await new Promise((r) => server.close(r));
  }
});
