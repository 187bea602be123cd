import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { Secret, foldCase } from '../../src/core/secret.js';
import { seededRandom } from '../helpers/seeded-random.js';
import { Writable } from 'node:stream';
import { createLogger } from '../../src/log.js';
import { clip, clipBytes, describeHeaders, redactDeep, redactHeaders, redactText, redactUrl, rememberSecret, rememberUrlSecrets } from '../../src/core/redact.js';
import { parseDiagnosisInput, parseHeaderArg } from '../../src/pipeline/input.js';
import { exchange } from '../../src/net/exchange.js';
import { NetOptionsSchema } from '../../src/net/options.js';

test('a Secret prints as [redacted] in every way JS turns it into text', () => {
  const s = new Secret('Bearer tok_0123456789abcdef');
  assert.equal(String(s), '[redacted]');
  assert.equal(JSON.stringify({ s }), '{"s":"[redacted]"}');
  assert.equal(inspect({ s }), '{ s: [redacted] }');
  assert.equal(`${s}`, '[redacted]');
  assert.equal(s.describe(), 'Bearer <20 chars>');
});

test('text that echoes a known secret back is scrubbed (e.g. an error body quoting the header)', () => {
  new Secret('Bearer echo_me_9f8e7d6c5b4a');
  assert.equal(redactText('invalid token echo_me_9f8e7d6c5b4a for user'), 'invalid token [redacted] for user');
  assert.equal(redactText('got "Bearer echo_me_9f8e7d6c5b4a"'), 'got "[redacted]"');
});

test('headers and URLs: credential-looking names and values are described, not shown', () => {
  const h = redactHeaders({ 'x-api-key': 'k_1234567890', cookie: 'sid=abcdef123456', 'content-type': 'application/json', 'x-opencx-org-id': 'org' });
  assert.equal(h['x-api-key'], '<12 chars>');
  assert.equal(h['cookie'], '<16 chars>');
  assert.equal(h['content-type'], 'application/json');
  assert.equal(h['x-opencx-org-id'], 'org');
  assert.deepEqual(describeHeaders([{ name: 'X-Custom', value: new Secret('eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig') }]), { 'X-Custom': '<40 chars>' });
  assert.equal(redactUrl('https://api.example.com/orders/{id}?api_key=abc123&page=2'), 'https://api.example.com/orders/{id}?api_key=[redacted]&page=2');
});

test('the authorization scheme is not a secret: a host or text that says "bearer" stays readable', () => {
  new Secret('bearer tok_scheme_0123456789');
  new Secret('Bearer  tok_scheme_0123456789');
  const text = 'GET https://auth-bearer-missing.lab.test/orders wanted "Bearer tok_scheme_0123456789"';
  // "bearer tok_…" was remembered whole, and case does not matter: the echo goes whole, the host stays.
  assert.equal(redactText(text), 'GET https://auth-bearer-missing.lab.test/orders wanted "[redacted]"');
  assert.equal(redactText('Bearer scheme only'), 'Bearer scheme only');
});

test('URL credentials in the fragment and in ;path parameters are remembered and shown as [redacted], also in a URL that does not parse', () => {
  const url = 'https://api.example.com/x;jsessionid=ABCDEF123456789;v=2/y?page=2#/cb?access_token=abcdefghijklmnop123&state=ok';
  rememberUrlSecrets(url);
  assert.equal(redactUrl(url), 'https://api.example.com/x;jsessionid=[redacted];v=2/y?page=2#/cb?access_token=[redacted]&state=ok');
  assert.equal(redactText('echo: ABCDEF123456789 / ABCDEFGHIJKLMNOP123'), 'echo: [redacted] / [redacted]');
  const broken = 'https://u:pw_broken_123456@api.example.com:99999/x?api_key=key_broken_123456#id_token=tok_broken_123456';
  rememberUrlSecrets(broken);
  assert.equal(redactUrl(broken), 'https://redacted@api.example.com:99999/x?api_key=[redacted]#id_token=[redacted]');
  assert.equal(redactText(`${broken} KEY_BROKEN_123456`), 'https://u:[redacted]@api.example.com:99999/x?api_key=[redacted]#id_token=[redacted] [redacted]');
});

test('a Basic credential: the decoded user:password and the password alone are secrets; the user name alone is not', () => {
  new Secret(`Basic ${Buffer.from('admin:hunter2pass').toString('base64')}`);
  assert.equal(redactText('bad user/pass: admin:hunter2pass (HUNTER2PASS)'), 'bad user/pass: [redacted] ([redacted])');
  assert.equal(redactText('user admin unknown'), 'user admin unknown');
});

test('invariant (generated): clip never leaves a known secret, in any form or case, nor a trailing piece of one, wherever it cuts', () => {
  const rand = seededRandom(11);
  const chars = 'abcdefXYZ0123456789+/=_-%!~:;'.split('');
  const word = (n: number) => Array.from({ length: n }, () => chars[Math.floor(rand() * chars.length)]!).join('');
  for (let i = 0; i < 40; i++) {
    const token = word(8 + Math.floor(rand() * 24));
    new Secret(`Bearer ${token}`);
    const forms = [token, token.toUpperCase(), Buffer.from(token).toString('base64'), encodeURIComponent(token), `Bearer ${token}`.toLowerCase()];
    const form = forms[Math.floor(rand() * forms.length)]!;
    const text = `${word(Math.floor(rand() * 40))} ${form} ${word(Math.floor(rand() * 10))}`;
    for (let at = 1; at < text.length; at++) {
      const out = clip(text, at, '');
      assert.ok(!foldCase(out).includes(foldCase(form)), `${JSON.stringify(text)} cut at ${at}: ${out}`);
      const start = text.indexOf(form);
      // Cut inside the echo: what is kept ends before it, or with [redacted].
      if (at > start && at < start + form.length) assert.ok(out.endsWith('[redacted]') || out.length <= start + 3, `${JSON.stringify(text)} cut at ${at}: ${JSON.stringify(out)}`);
    }
  }
});

test('an error logged as a field has its message and stack scrubbed, and stays an error to the log (its type kept)', () => {
  new Secret('Bearer err_logged_0123456789abcdef');
  let line = '';
  const log = createLogger({ level: 'info', destination: new Writable({ write(chunk, _e, cb) { line += String(chunk); cb(); } }) });
  const err = new TypeError('upstream said ERR_LOGGED_0123456789ABCDEF is bad');
  log.error({ err }, 'call failed');
  assert.ok(!/err_logged_0123456789abcdef/i.test(line), line);
  assert.match(line, /"type":"TypeError"/);
  assert.match(line, /upstream said \[redacted\] is bad/);
  assert.equal(err.message, 'upstream said ERR_LOGGED_0123456789ABCDEF is bad', 'the error itself is not changed');
});

test('a credential inside a structured header value (Cookie pairs, auth-params, key=…) is scrubbed when echoed bare; the names and short pieces are not', () => {
  parseHeaderArg('Cookie: sessionid=Zq8rT2vN5xK1pL9w; theme=dark; lang=en-gb-long');
  parseHeaderArg('Authorization: Token token="Hk4jD9sA2fG6hJ1k", user="bob"');
  parseHeaderArg('X-Api-Key: key=Mv3nB8cX2zQ7wE4r');
  const body = '{"error":"session Zq8rT2vN5xK1pL9w expired","detail":"token HK4JD9SA2FG6HJ1K revoked; bad key Mv3nB8cX2zQ7wE4r"}';
  assert.equal(clipBytes(Buffer.from(body), 2048), '{"error":"session [redacted] expired","detail":"token [redacted] revoked; bad key [redacted]"}');
  // The pair as typed is one of the words remembered (a token after its scheme may hold = and ;): scrubbed whole.
  assert.equal(redactText('Set-Cookie: sessionid=Zq8rT2vN5xK1pL9w; theme=dark'), 'Set-Cookie: [redacted] theme=dark');
  assert.equal(redactText('{"sessionid":"Zq8rT2vN5xK1pL9w"}'), '{"sessionid":"[redacted]"}');
  assert.equal(redactText('sessionid token user theme key'), 'sessionid token user theme key', 'names are not secrets');
});

test('public headers (Content-Type, Accept, User-Agent) are shown as typed and never remembered; a secret-looking value in any header is', () => {
  const ct = parseHeaderArg('Content-Type: application/json');
  const accept = parseHeaderArg('Accept: application/vnd.acme+json');
  const odd = parseHeaderArg('X-Trace: eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIyIn0.sig2');
  assert.equal(ct.value, 'application/json');
  assert.deepEqual(describeHeaders([ct, accept, odd]), { 'Content-Type': 'application/json', Accept: 'application/vnd.acme+json', 'X-Trace': '<41 chars>' });
  assert.equal(redactText('Expected Application/JSON or application/vnd.acme+json'), 'Expected Application/JSON or application/vnd.acme+json');
  assert.equal(redactText('trace EYJHBGCIOIJIUZI1NIJ9.EYJZDWIIOIIYIN0.SIG2'), 'trace [redacted]');
});

test('URL credentials stay known while the URL is in use: sending it again remembers them, however many secrets came after', async () => {
  const url = 'https://127.0.0.1:9/orders?api_key=Kq7vX2mP9wR4tY6u&page=2';
  parseDiagnosisInput({ endpoint: url });
  for (let i = 0; i < 1200; i++) rememberSecret(`Bearer other_user_token_${i}_abcdefgh`);
  // A Re-run hours later sends the same URL (refused here: nothing listens, the guard blocks a private address).
  await exchange({ label: 're-run', method: 'GET', url, headers: [], timeoutMs: 1000 }, NetOptionsSchema.parse({}));
  for (let i = 0; i < 300; i++) rememberSecret(`Bearer later_token_${i}_abcdefgh`);
  assert.equal(redactText('no route for /orders?api_key=Kq7vX2mP9wR4tY6u'), 'no route for /orders?api_key=[redacted]');
});

test('one huge header value cannot push a secret in use out of memory (the forms one value adds are capped)', () => {
  const victim = new Secret('Bearer victim_token_0123456789abcdef');
  victim.reveal();
  parseHeaderArg(`X-Api-Key: ${Array.from({ length: 2000 }, (_, i) => `w${i}xyzab`).join(' ')}`);
  assert.equal(redactText('echo victim_token_0123456789abcdef'), 'echo [redacted]');
});

test('a cyclic error (e.cause = e, or a loop of causes) is logged, scrubbed, with [circular] where it loops', () => {
  new Secret('Bearer cyclic_err_0123456789abcdef');
  let line = '';
  const log = createLogger({ level: 'info', destination: new Writable({ write(chunk, _e, cb) { line += String(chunk); cb(); } }) });
  const e = new Error('outer cyclic_err_0123456789abcdef') as Error & { cause?: unknown };
  e.cause = e;
  log.warn({ err: e }, 'self-cause');
  const a = new Error('a') as Error & { cause?: unknown };
  const b = new Error('b') as Error & { cause?: unknown };
  a.cause = b;
  b.cause = a;
  const copy = redactDeep({ err: a, list: [a, a] }) as { err: { cause: { cause: unknown } } };
  assert.equal(copy.err.cause.cause, '[circular]');
  assert.match(line, /outer \[redacted\]/);
  assert.ok(!line.includes('cyclic_err_0123456789abcdef'));
});
