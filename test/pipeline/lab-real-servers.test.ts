import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startLab, type Lab } from '../../src/lab/index.js';
import { REAL_SCENARIOS } from '../../src/lab/real-servers.js';
import { parseDiagnosisInput, parseHeaderArg } from '../../src/pipeline/input.js';
import { diagnose } from '../../src/registry.js';
import { isProblem } from '../../src/pipeline/verdict.js';

// Real nginx and HAProxy, configured the way customers misconfigure them. Without the programs each test skips with
// the reason; CI sets ACTION_DEBUG_REQUIRE_REAL_SERVERS=1 (after installing them), which turns a skip into a failure.
const REQUIRED = process.env['ACTION_DEBUG_REQUIRE_REAL_SERVERS'] === '1';
let lab: Lab;
before(async () => {
  lab = await startLab({ only: REAL_SCENARIOS.map((s) => s.id) });
  for (const s of lab.skipped) process.stdout.write(`# real server scenario ${s.id} not run: ${s.reason}\n`);
});
after(async () => {
  await lab?.close();
});

for (const def of REAL_SCENARIOS) {
  test(`${def.id}: ${def.title} → ${def.expect.family}/${def.expect.cause}`, async (t) => {
    const skipped = lab.skipped.find((s) => s.id === def.id);
    if (skipped) {
      assert.ok(!REQUIRED, `ACTION_DEBUG_REQUIRE_REAL_SERVERS=1 but ${skipped.reason}`);
      t.skip(skipped.reason);
      return;
    }
    const s = lab.scenarios.find((x) => x.id === def.id)!;
    await lab.prime(s.id);
    const input = parseDiagnosisInput({
      endpoint: s.url, method: s.method, headers: s.headers.map(parseHeaderArg),
      ...(s.body ? { body: { kind: 'json' as const, text: s.body } } : {}),
    });
    const r = await diagnose(input, { net: { allowPrivate: true, extraCa: [lab.caPem], hosts: lab.hosts } });
    assert.ok(isProblem(r.verdict), 'a failing real server is never "no problem"');
    assert.equal(`${r.verdict.family}/${r.verdict.cause}`, `${s.expect.family}/${s.expect.cause}`, `findings: ${r.findings.map((f) => f.id).join(', ')}`);
    assert.ok(r.verdict.evidence.length > 0);
    for (const h of s.headers) assert.ok(!JSON.stringify(r).includes(h.slice(h.indexOf(':') + 1).trim().slice(7, 60)), 'a header secret leaked');
  });
}

test('without nginx and HAProxy every real scenario is skipped with the reason, and nothing is left running', async () => {
  const saved = process.env['ACTION_DEBUG_LAB_PATH'];
  process.env['ACTION_DEBUG_LAB_PATH'] = '/nonexistent';
  try {
    const bare = await startLab({ only: REAL_SCENARIOS.map((s) => s.id) });
    await bare.close();
    assert.deepEqual(bare.scenarios, []);
    assert.deepEqual(bare.skipped.map((s) => s.id), REAL_SCENARIOS.map((s) => s.id));
    assert.match(bare.skipped[0]!.reason, /nginx is not installed \(apt-get install nginx\)/);
  } finally {
    if (saved === undefined) delete process.env['ACTION_DEBUG_LAB_PATH'];
    else process.env['ACTION_DEBUG_LAB_PATH'] = saved;
  }
});
