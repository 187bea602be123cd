import { test } from 'node:test';
import assert from 'node:assert/strict';
import { proxyPage } from '../../src/evidence/proxy-page.js';
import { recorded } from '../helpers/recorded.js';

// Proxies' own error pages as each ships them, and the API's answers passing through them, which are not.
const page = (status: number, body: string, headers: Record<string, string> = {}, contentType: string | null = 'text/html') => proxyPage(recorded({ status, body, headers, contentType }));

test('each proxy\'s own page is recognised, with "no backend" where the page says so', () => {
  assert.deepEqual(page(502, '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>'), { software: 'nginx', noBackend: false });
  assert.deepEqual(page(503, '<html><body><h1>503 Service Unavailable</h1>\nNo server is available to handle this request.\n</body></html>'), { software: 'HAProxy', noBackend: true });
  assert.deepEqual(page(503, 'no healthy upstream', {}, 'text/plain'), { software: 'Envoy', noBackend: true });
  assert.deepEqual(page(502, '', { server: 'Caddy' }, null), { software: 'Caddy', noBackend: true });
  assert.deepEqual(page(502, '{\n  "message":"An invalid response was received from the upstream server"\n}', { server: 'kong/3.4.2' }, 'application/json'), { software: 'Kong', noBackend: true });
  assert.deepEqual(page(502, 'Bad Gateway', {}, 'text/plain'), { software: 'Traefik', noBackend: true });
  assert.deepEqual(page(503, '<html><head><title>503 Backend fetch failed</title></head><body><h1>Error 503 Backend fetch failed</h1><p>Guru Meditation:</p><hr><p>Varnish cache server</p></body></html>'), { software: 'Varnish', noBackend: true });
  assert.equal(page(503, '<html><head><title>503 Service Temporarily Unavailable</title></head><body><center><h1>503 Service Temporarily Unavailable</h1></center></body></html>', { server: 'awselb/2.0' })?.software, 'AWS ELB');
});

test('the API\'s own answer passing through a proxy is not the proxy\'s page', () => {
  assert.equal(page(403, '{"error":"forbidden"}', { server: 'Caddy' }, 'application/json'), null);
  assert.equal(page(502, '{"error":"upstream payment provider failed"}', { server: 'nginx/1.25.3' }, 'application/json'), null);
  assert.equal(page(403, '{"detail":"nope"}', { server: 'Microsoft-IIS/10.0' }, 'application/json'), null);
  assert.equal(page(403, '{"message":"denied"}', { server: 'kong/3.4.2' }, 'application/json'), null);
  assert.equal(page(200, '<center>nginx</center>'), null, 'only error answers');
});
