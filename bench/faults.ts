/**
 * Issue 6: endpoints that misbehave (slow drip, endless body, TLS that never completes, reset mid-response) must
 * end within their deadline with the right finding and keep memory bounded. Prints duration vs deadline and RSS.
 */
import { startLab } from '../src/lab/index.js';
import { parseDiagnosisInput, parseHeaderArg } from '../src/pipeline/input.js';
import { diagnose as runDiagnosis } from '../src/registry.js';
import { printTable } from './table.js';

const CASES = ['drip', 'endless-body', 'tls-hang', 'reset-mid-response'];
const ROUNDS = 10;

export async function run(): Promise<void> {
  const lab = await startLab({ only: CASES });
  const net = { allowPrivate: true, extraCa: [lab.caPem], hosts: lab.hosts };
  const rows: (string | number)[][] = [];
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const startRss = process.memoryUsage().rss;
  try {
    for (const s of lab.scenarios) {
      const input = parseDiagnosisInput({ endpoint: s.url, method: s.method, headers: s.headers.map(parseHeaderArg), ...(s.timeoutMs ? { timeoutMs: s.timeoutMs } : {}) });
      let worst = 0;
      let right = 0;
      for (let i = 0; i < ROUNDS; i++) {
        const t0 = performance.now();
        const r = await runDiagnosis(input, { net });
        worst = Math.max(worst, performance.now() - t0);
        if (r.verdict.cause === s.expect.cause) right++;
      }
      rows.push([s.id, input.timeoutMs, worst.toFixed(0), `${right}/${ROUNDS}`, s.expect.cause, (peak / 2 ** 20).toFixed(0)]);
    }
  } finally {
    clearInterval(sampler);
    await lab.close();
  }
  printTable(`Faulty endpoints, ${ROUNDS} diagnoses each (RSS at start ${(startRss / 2 ** 20).toFixed(0)} MB)`, ['case', 'timeout ms', 'slowest diagnosis ms', 'right cause', 'expected cause', 'peak RSS MB so far'], rows);
  global.gc?.();
  process.stdout.write(`RSS after: ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MB; peak ${(peak / 2 ** 20).toFixed(0)} MB\n`);
}
