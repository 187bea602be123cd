/** The audit bench's hosts, in their own process: prints their addresses, then answers "stats" and "reset" on stdin. */
import { createInterface } from 'node:readline';
import { startCountingHosts } from '../src/lab/counting-hosts.js';

const delays = JSON.parse(process.argv[2] ?? '{}') as Record<string, number>;
const groups = await Promise.all(Object.entries(delays).map(([name, delayMs]) => startCountingHosts([name], { delayMs })));
const origins: Record<string, string> = {};
const hosts: Record<string, string[]> = {};
for (const [i, name] of Object.keys(delays).entries()) {
  origins[name] = groups[i]!.host(name).origin;
  Object.assign(hosts, groups[i]!.hosts);
}
// Every group made its own CA: trust them all (concatenated PEM).
process.stdout.write(JSON.stringify({ hosts, origins, caPem: groups.map((g) => g.caPem).join('\n') }) + '\n');
createInterface({ input: process.stdin }).on('line', (cmd) => {
  if (cmd === 'reset') groups.forEach((g) => g.reset());
  const stats = Object.fromEntries(Object.keys(delays).map((n, i) => {
    const h = groups[i]!.host(n);
    return [n, { peakRequests: h.peakRequests, peakConnections: h.peakConnections, requests: h.requests }];
  }));
  const cpu = process.cpuUsage();
  process.stdout.write(JSON.stringify(cmd === 'stats' ? { hosts: stats, cpuMs: (cpu.user + cpu.system) / 1000 } : {}) + '\n');
});
process.stdin.on('end', () => process.exit(0));
