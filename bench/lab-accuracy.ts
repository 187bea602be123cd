/**
 * The verdict's accuracy on the lab: every scenario (Node imitations and, where installed, real nginx and HAProxy)
 * diagnosed in-process; how many got the right family, the right family and cause, and how many failing endpoints were
 * called "no problem" (the figure that must stay 0).
 */
import { startLab, type LabScenario } from '../src/lab/index.js';
import { parseDiagnosisInput, parseHeaderArg } from '../src/pipeline/input.js';
import { diagnose } from '../src/registry.js';
import { isProblem } from '../src/pipeline/verdict.js';
import { printTable } from './table.js';

interface Outcome {
  s: LabScenario;
  family: number | null;
  cause: string;
}

export async function run(): Promise<void> {
  const lab = await startLab({ real: true });
  const net = { allowPrivate: true, extraCa: [lab.caPem], hosts: lab.hosts };
  const outcomes: Outcome[] = [];
  try {
    // A few at a time: the timeout scenarios wait seconds, the rest are quick.
    const queue = [...lab.scenarios];
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let s = queue.shift(); s; s = queue.shift()) {
          await lab.prime(s.id);
          const input = parseDiagnosisInput({
            endpoint: s.url, method: s.method, headers: s.headers.map(parseHeaderArg),
            ...(s.body ? { body: { kind: 'json' as const, text: s.body } } : {}),
            ...(s.timeoutMs ? { timeoutMs: s.timeoutMs } : {}),
          });
          const r = await diagnose(input, { net });
          outcomes.push({ s, family: r.verdict.family, cause: isProblem(r.verdict) ? r.verdict.cause : 'none' });
        }
      }),
    );
  } finally {
    await lab.close();
  }
  const row = (name: string, list: Outcome[]) => {
    const failing = list.filter((o) => o.s.expect.family !== null);
    const family = list.filter((o) => o.family === o.s.expect.family).length;
    const both = list.filter((o) => o.family === o.s.expect.family && o.cause === o.s.expect.cause).length;
    const pct = (n: number) => (list.length ? `${((100 * n) / list.length).toFixed(0)}%` : '-');
    return [name, list.length, `${family} (${pct(family)})`, `${both} (${pct(both)})`, failing.filter((o) => o.family === null).length];
  };
  const node = outcomes.filter((o) => !o.s.program);
  const real = outcomes.filter((o) => o.s.program);
  printTable('Lab accuracy: verdict vs the scenario\'s known cause (goal: ≥ 95% family and cause, 0 false "no problem")', ['scenarios', 'cases', 'right family', 'right family and cause', 'false "no problem"'], [
    row('Node lab', node),
    row('real nginx / HAProxy', real),
    row('all', outcomes),
  ]);
  for (const s of lab.skipped) process.stdout.write(`(not run: ${s.id}: ${s.reason})\n`);
  const wrong = outcomes.filter((o) => o.family !== o.s.expect.family || o.cause !== o.s.expect.cause);
  for (const o of wrong) process.stdout.write(`wrong: ${o.s.id}: expected ${o.s.expect.family}/${o.s.expect.cause}, got ${o.family}/${o.cause}\n`);
}
