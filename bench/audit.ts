/**
 * Issue 23's audit figures: 100 lab actions on hosts of different speeds, audited at once (one diagnosis per host at a
 * time, ≤ 2 requests in flight per host) against the same actions diagnosed one after another. Goal: the audit takes at
 * most 1.5× the slowest host's serial share (its actions one after another), and no host ever serves more than 2
 * requests at once (counted by the hosts themselves). The hosts run in a child process, as real APIs run elsewhere: in
 * one process their TLS work would share the audit's single thread and measure the machine, not the audit.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { startFakeOpenCx } from '../src/fakes/opencx/server.js';
import { demoDataset } from '../src/fakes/opencx/server.js';
import { syntheticActions } from '../src/fakes/opencx/account.js';
import { OpenCxClient } from '../src/opencx/client.js';
import { OpenCxFacts } from '../src/opencx/facts.js';
import { OpenCxSettingsSchema } from '../src/opencx/settings.js';
import { runAudit, MAX_PER_HOST } from '../src/audit/run-audit.js';
import { HostLimiter } from '../src/net/host-limiter.js';
import { NetOptionsSchema } from '../src/net/options.js';
import { parseDiagnosisInput } from '../src/pipeline/input.js';
import { diagnose } from '../src/registry.js';
import { printTable } from './table.js';

const ACTIONS = 100;
/** Response delay per host (ms): a fast API, a few ordinary ones, a slow one. */
export const HOST_DELAYS: Record<string, number> = { 'fast.bench.test': 5, 'a.bench.test': 15, 'b.bench.test': 30, 'c.bench.test': 45, 'slow.bench.test': 70 };

interface HostsChild {
  child: ChildProcess;
  info: { hosts: Record<string, string[]>; caPem: string; origins: Record<string, string> };
  stats(): Promise<{ hosts: Record<string, { peakRequests: number; peakConnections: number; requests: number }>; cpuMs: number }>;
  reset(): Promise<void>;
  close(): void;
}

async function startHostsChild(): Promise<HostsChild> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/audit-hosts.ts', JSON.stringify(HOST_DELAYS)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const pending: ((line: string) => void)[] = [];
  lines.on('line', (l) => pending.shift()?.(l));
  const next = () => new Promise<string>((r) => pending.push(r));
  const info = JSON.parse(await next());
  const ask = async (cmd: string) => {
    const p = next();
    child.stdin!.write(cmd + '\n');
    return JSON.parse(await p);
  };
  return { child, info, stats: () => ask('stats'), reset: () => ask('reset'), close: () => child.kill() };
}

export async function run(): Promise<void> {
  const hosts = await startHostsChild();
  const names = Object.keys(HOST_DELAYS);
  const actions = syntheticActions(names.map((n) => hosts.info.origins[n]!), ACTIONS);
  const fake = await startFakeOpenCx({ data: { ...demoDataset(), actions } });
  const settings = OpenCxSettingsSchema.parse({ OPENCX_API_KEY: fake.key, OPENCX_API_URL: fake.url, ACTION_DEBUG_ALLOW_PRIVATE: '1' });
  const client = new OpenCxClient({ ...settings, OPENCX_API_KEY: settings.OPENCX_API_KEY! });
  const facts = new OpenCxFacts(client);
  const base = { allowPrivate: true, extraCa: [hosts.info.caPem], hosts: hosts.info.hosts };
  try {
    // Warm-up (module loading, the CA context), not measured.
    await runAudit({ facts, diagnose, net: base, timeoutMs: 10_000 });
    await hosts.reset();

    // One after another, each diagnosis alone with the same politeness (its own ≤ 2 per host).
    const serialNet = NetOptionsSchema.parse({ ...base, hostLimiter: new HostLimiter(MAX_PER_HOST) });
    const perHost = new Map<string, number>();
    let slowest = 0;
    const t0 = performance.now();
    for (const a of actions) {
      const t = performance.now();
      await diagnose(parseDiagnosisInput({ endpoint: a.api_endpoint!, method: 'GET', action: a.name, timeoutMs: 10_000 }), { net: serialNet, services: { opencx: facts } });
      const ms = performance.now() - t;
      slowest = Math.max(slowest, ms);
      const host = new URL(a.api_endpoint!).hostname;
      perHost.set(host, (perHost.get(host) ?? 0) + ms);
    }
    const serial = performance.now() - t0;
    const [slowHost, slowShare] = [...perHost.entries()].sort((x, y) => y[1] - x[1])[0]!;
    const serialPeaks = await hosts.stats();
    await hosts.reset();

    // The audit, with memory sampled while it runs.
    let peakRss = process.memoryUsage().rss;
    let peakHeap = process.memoryUsage().heapUsed;
    const rssBefore = peakRss;
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      peakRss = Math.max(peakRss, m.rss);
      peakHeap = Math.max(peakHeap, m.heapUsed);
    }, 10);
    const childCpu0 = (await hosts.stats()).cpuMs;
    const a0 = performance.now();
    const cpu0 = process.cpuUsage();
    const elu0 = performance.eventLoopUtilization();
    const result = await runAudit({ facts, diagnose, net: base, timeoutMs: 10_000 });
    const wall = performance.now() - a0;
    const cpu = process.cpuUsage(cpu0);
    const elu = performance.eventLoopUtilization(elu0);
    clearInterval(sampler);
    const after = await hosts.stats();
    const stats = after.hosts;
    const maxInFlight = Math.max(...Object.values(stats).map((s) => s.peakRequests));
    const maxConnections = Math.max(...Object.values(stats).map((s) => s.peakConnections));
    const MB = (n: number) => (n / 1024 / 1024).toFixed(0);

    printTable(
      `Audit of ${ACTIONS} lab actions on ${names.length} hosts (delays ${Object.values(HOST_DELAYS).join('/')} ms), ≤ ${MAX_PER_HOST} requests in flight per host`,
      ['run', 'wall ms', 'vs slowest host share', 'max requests at once on a host', 'max connections at once on a host'],
      [
        ['one after another', serial.toFixed(0), (serial / slowShare).toFixed(2), Math.max(...Object.values(serialPeaks.hosts).map((s) => s.peakRequests)), Math.max(...Object.values(serialPeaks.hosts).map((s) => s.peakConnections))],
        ['audit (hosts in parallel)', wall.toFixed(0), (wall / slowShare).toFixed(2), maxInFlight, maxConnections],
      ],
    );
    printTable('Against the goals', ['figure', 'value', 'goal', 'met'], [
      ['slowest single diagnosis ms', slowest.toFixed(0), '-', '-'],
      [`slowest host's serial share ms (${slowHost})`, slowShare.toFixed(0), '-', '-'],
      ['audit wall / slowest host share', (wall / slowShare).toFixed(2), '≤ 1.5', wall / slowShare <= 1.5 ? 'yes' : 'NO'],
      ['requests in flight per host, at most', maxInFlight, `≤ ${MAX_PER_HOST}`, maxInFlight <= MAX_PER_HOST ? 'yes' : 'NO'],
      ['actions audited / broken', `${result.summary.done} / ${result.summary.broken}`, `${ACTIONS} / 0`, result.summary.done === ACTIONS && result.summary.broken === 0 ? 'yes' : 'NO'],
      ['audit CPU ms in this process (event loop busy)', `${((cpu.user + cpu.system) / 1000).toFixed(0)} (${(elu.utilization * 100).toFixed(0)}%)`, '-', '-'],
      ['hosts process CPU ms during the audit', (after.cpuMs - childCpu0).toFixed(0), '-', '-'],
      ['peak RSS MB (before)', `${MB(peakRss)} (${MB(rssBefore)})`, '-', '-'],
      ['peak heap MB', MB(peakHeap), '-', '-'],
    ]);
  } finally {
    await client.close();
    await fake.close();
    hosts.close();
  }
}


