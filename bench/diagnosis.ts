/**
 * Issue 3's speed figures: probes run concurrently, so a diagnosis takes at most ~1.2× its slowest probe. The whole CLI
 * process, start to exit, is timed by bench/cli.ts.
 */
import { startLab } from '../src/lab/index.js';
import { parseDiagnosisInput, parseHeaderArg } from '../src/pipeline/input.js';
import { diagnose as runDiagnosis } from '../src/registry.js';
import { printTable } from './table.js';

const CASES = ['healthy', 'waf-opencx-headers', 'auth-bearer-missing', 'tls-expired', 'slow'];
const RUNS = 5;

export async function run(): Promise<void> {
  const lab = await startLab({ only: CASES });
  const net = { allowPrivate: true, extraCa: [lab.caPem], hosts: lab.hosts };
  const rows: (string | number)[][] = [];
  try {
    for (const s of lab.scenarios) {
      const input = parseDiagnosisInput({ endpoint: s.url, method: s.method, headers: s.headers.map(parseHeaderArg), ...(s.timeoutMs ? { timeoutMs: s.timeoutMs } : {}) });
      let best = { wall: Infinity, slowest: 0 };
      for (let i = 0; i < RUNS; i++) {
        const t0 = performance.now();
        const r = await runDiagnosis(input, { net });
        const wall = performance.now() - t0;
        const slowest = Math.max(...r.probes.map((p) => p.durationMs));
        if (wall < best.wall) best = { wall, slowest };
      }
      rows.push([s.id, best.wall.toFixed(0), best.slowest.toFixed(0), (best.wall / Math.max(1, best.slowest)).toFixed(2), best.wall / Math.max(1, best.slowest) <= 1.2 ? 'yes' : 'NO']);
    }
    printTable(`Diagnosis in-process (best of ${RUNS}): wall time vs slowest probe (goal ratio ≤ 1.2)`, ['case', 'wall ms', 'slowest probe ms', 'ratio', '≤ 1.2'], rows);
  } finally {
    await lab.close();
  }
}
