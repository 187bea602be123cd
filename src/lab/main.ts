/** `npx tsx src/lab/main.ts`: start the lab and print how to point the CLI at it. Ctrl-C stops it. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLab } from './index.js';

const args = process.argv.slice(2);
const json = args.includes('--json');
const only = args.filter((a) => !a.startsWith('--'));
const lab = await startLab(only.length ? { only } : {});
const ca = lab.caFile(mkdtempSync(join(tmpdir(), 'action-debug-lab-')));
process.on('SIGINT', () => void lab.close().then(() => process.exit(0)));
process.on('SIGTERM', () => void lab.close().then(() => process.exit(0)));
if (json) {
  // For benchmarks that run the lab in its own process: one line of JSON, then serve until stopped.
  process.stdout.write(JSON.stringify({ scenarios: lab.scenarios, caPem: lab.caPem, hosts: lab.hosts, caFile: ca }) + '\n');
} else {
  for (const s of lab.scenarios) process.stdout.write(`${s.id.padEnd(22)} ${s.method.padEnd(5)} ${s.url.padEnd(60)} → ${s.expect.cause}\n`);
process.stdout.write(`\nexport NODE_EXTRA_CA_CERTS=${ca} ACTION_DEBUG_ALLOW_PRIVATE=1 ACTION_DEBUG_HOSTS='${lab.hostsEnv()}'\n`);
process.stdout.write('then: npx action-debug diagnose --endpoint <url above> [--header ...]\n');
}
