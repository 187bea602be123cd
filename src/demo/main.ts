/**
 * `npm run demo`: the main job on an embedded default. Starts the lab of misbehaving HTTPS endpoints and runs the
 * real diagnosis against each, printing the verdicts readably. Talks only to 127.0.0.1; needs no token.
 */
import { startLab } from '../lab/index.js';
import { parseDiagnosisInput, parseHeaderArg } from '../pipeline/input.js';
import { runDiagnosis } from '../pipeline/run.js';
import { renderText } from '../render/text.js';

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const lab = await startLab(only.length ? { only } : undefined);
  const net = { allowPrivate: true, extraCa: [lab.caPem], hosts: lab.hosts };
  let matched = 0;
  try {
    process.stdout.write(`action-debug demo: ${lab.scenarios.length} lab endpoints on 127.0.0.1, each reproducing one real cause.\n\n`);
    for (const s of lab.scenarios) {
      const input = parseDiagnosisInput({
        endpoint: s.url,
        method: s.method,
        headers: s.headers.map(parseHeaderArg),
        ...(s.body ? { body: { kind: 'json' as const, text: s.body } } : {}),
        ...(s.timeoutMs ? { timeoutMs: s.timeoutMs } : {}),
        action: `Lab: ${s.id}`,
        session: 'ses_demo',
      });
      const report = await runDiagnosis(input, { net });
      const ok = report.verdict.cause === s.expect.cause;
      if (ok) matched++;
      process.stdout.write(`━━━ ${s.id}: ${s.title}\n${renderText(report)}${ok ? '' : `(expected ${s.expect.cause})\n`}\n`);
    }
    process.stdout.write(`${matched}/${lab.scenarios.length} lab causes named correctly.\n`);
  } finally {
    await lab.close();
  }
  process.exitCode = matched === lab.scenarios.length ? 0 : 1;
}

main().catch((err) => {
  process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
