import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDiagnosisInput, parseHeaderArg } from '../../src/pipeline/input.js';
import { isProblem } from '../../src/pipeline/verdict.js';
import { REASONS } from '../../src/pipeline/baseline.js';
import type { NetErrorKind } from '../../src/net/record.js';
import { judgeRecorded, recorded, type RecordedSpec } from '../helpers/recorded.js';

// The guarantee, over a generated table: whatever a failing endpoint answers, the verdict is never "no problem",
// and it names the status. Recorded-style exchanges through every endpoint probe's assess() and every check.

const TOKEN = 'Bearer eyJhbGciOiJIUzI1NiJ9.generated-table-token.sig';
const inputs = {
  'no Authorization': parseDiagnosisInput({ endpoint: 'https://api.example.com/orders/{id}' }),
  'Authorization saved': parseDiagnosisInput({ endpoint: 'https://api.example.com/orders/{id}', headers: [parseHeaderArg(`Authorization: ${TOKEN}`)] }),
};
const requestHeaders = { 'Authorization saved': { Authorization: 'Bearer <45 chars>' }, 'no Authorization': {} } as const;

function body(kind: string, status: number): Pick<RecordedSpec, 'body' | 'contentType' | 'headers'> {
  const reason = REASONS[status] ?? 'Error';
  switch (kind) {
    case 'html':
      return { body: `<!DOCTYPE html><html><head><title>${status} ${reason}</title></head><body><h1>${reason}</h1></body></html>`, contentType: 'text/html; charset=utf-8' };
    case 'nginx page':
      return { body: `<html>\r\n<head><title>${status} ${reason}</title></head>\r\n<body>\r\n<center><h1>${status} ${reason}</h1></center>\r\n<hr><center>nginx/1.22.1</center>\r\n</body>\r\n</html>`, contentType: 'text/html', headers: { server: 'nginx/1.22.1' } };
    case 'json':
      return { body: JSON.stringify({ error: reason.toLowerCase().replace(/\s+/g, '_'), message: `request failed: ${reason}` }), contentType: 'application/json' };
    default:
      return { body: '', contentType: null };
  }
}

const BODIES = ['html', 'nginx page', 'json', 'empty'];
const OK = recorded({ status: 200, body: '{"id":"1","status":"shipped"}', contentType: 'application/json' });
/** How the three header variants answer: all the same, or one of them passes (different per variant). */
const VARIANTS = ['same for every variant', 'browser User-Agent passes', 'without x-opencx-* passes'] as const;

test('every status 400-599 × body × WWW-Authenticate × Retry-After × variants × Authorization: never "no problem", the status named', () => {
  let cases = 0;
  const wrong: string[] = [];
  for (let status = 400; status <= 599; status++) {
    for (const kind of BODIES) {
      for (const challenge of [false, true]) {
        for (const retry of [false, true]) {
          for (const variant of VARIANTS) {
            for (const [auth, input] of Object.entries(inputs) as [keyof typeof inputs, (typeof inputs)[keyof typeof inputs]][]) {
              const b = body(kind, status);
              const headers = { ...(b.headers ?? {}), ...(challenge ? { 'www-authenticate': 'Bearer realm="api"' } : {}), ...(retry ? { 'retry-after': '30' } : {}) };
              const failing = recorded({ ...b, status, headers, requestHeaders: requestHeaders[auth] });
              const r = judgeRecorded(input, {
                baseline: failing,
                ...(variant === 'browser User-Agent passes' ? { browserUa: OK } : {}),
                ...(variant === 'without x-opencx-* passes' ? { withoutContext: OK } : {}),
              });
              cases++;
              const v = r.verdict;
              const said = [v.title, ...v.evidence].join('\n');
              const name = `${status} ${kind}${challenge ? ' +WWW-Authenticate' : ''}${retry ? ' +Retry-After' : ''}, ${variant}, ${auth}`;
              if (!isProblem(v)) wrong.push(`${name}: no problem found`);
              else if (!said.includes(String(status))) wrong.push(`${name}: ${v.cause} does not name ${status}: ${said.slice(0, 200)}`);
              else if (variant !== 'same for every variant' && [401, 403].includes(status) && v.family !== 2) wrong.push(`${name}: a refusal lifted by a header change is family 2, got ${v.cause}`);
            }
          }
        }
      }
    }
  }
  assert.ok(cases >= 9600, `${cases} cases`);
  assert.deepEqual(wrong.slice(0, 20), [], `${wrong.length} of ${cases} cases wrong`);
});

const TRANSPORT: NetErrorKind[] = ['reset', 'timeout', 'connect-timeout', 'refused', 'other', 'too-large', 'tls', 'dns'];

test('every transport error, handshake done or not, a browser variant passing or not: never "no problem"', () => {
  const wrong: string[] = [];
  let cases = 0;
  for (const kind of TRANSPORT) {
    for (const tls of [true, false]) {
      for (const browserPasses of [false, true]) {
        for (const [auth, input] of Object.entries(inputs)) {
          const failing = recorded({ error: { kind, code: kind === 'reset' ? 'ECONNRESET' : null, message: `${kind} after sending` }, tls });
          const r = judgeRecorded(input, { baseline: failing, ...(browserPasses ? { browserUa: OK } : {}) });
          cases++;
          const name = `${kind}, handshake ${tls ? 'done' : 'not done'}, browser ${browserPasses ? 'passes' : 'fails too'}, ${auth}`;
          if (!isProblem(r.verdict)) wrong.push(`${name}: no problem found`);
          // A dropped connection for OpenCX next to a 2xx for a browser is a block of the User-Agent (family 2).
          if (browserPasses && tls && ['reset', 'timeout', 'other'].includes(kind) && r.verdict.cause !== 'waf-blocks-user-agent') wrong.push(`${name}: expected waf-blocks-user-agent, got ${r.verdict.cause}`);
        }
      }
    }
  }
  assert.equal(cases, TRANSPORT.length * 8);
  assert.deepEqual(wrong, []);
});

test('a usable 2xx is the only "no problem": 2xx JSON passes; a 2xx web page or sign-in page does not', () => {
  const input = inputs['no Authorization'];
  for (let status = 200; status <= 206; status++) {
    const ok = judgeRecorded(input, { baseline: recorded({ status, body: status === 204 ? '' : '{"ok":true}', contentType: status === 204 ? null : 'application/json' }) });
    assert.equal(ok.verdict.cause, 'none', `${status} JSON`);
    const page = judgeRecorded(input, { baseline: recorded({ status, ...body('html', status) }) });
    assert.ok(isProblem(page.verdict), `${status} HTML`);
  }
});
