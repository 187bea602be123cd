import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

/**
 * The layout rules of the README ("Layout"), read off the code itself: arrows point down (faces → registry →
 * pipeline → net/opencx/openapi → core) and nothing imports in a circle. TypeScript's own pre-processor lists each
 * file's imports, type-only ones included (a type import is still an arrow a reader follows).
 */
const SRC = resolve('src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

function graph(): Map<string, string[]> {
  const g = new Map<string, string[]>();
  for (const f of files(SRC)) {
    const info = ts.preProcessFile(readFileSync(f, 'utf8'), true, true);
    const deps = info.importedFiles
      .map((i) => i.fileName)
      .filter((n) => n.startsWith('.'))
      .map((n) => resolve(dirname(f), n.replace(/\.js$/, '.ts')));
    g.set(rel(f), deps.map(rel));
  }
  return g;
}
const rel = (p: string) => relative(SRC, p).split('\\').join('/');
const top = (p: string) => (p.includes('/') ? p.slice(0, p.indexOf('/')) : p.replace(/\.ts$/, ''));

/** Strongly connected components with more than one file (or a file importing itself): Tarjan's algorithm. */
function cycles(g: Map<string, string[]>): string[][] {
  let index = 0;
  const idx = new Map<string, number>(), low = new Map<string, number>(), on = new Set<string>(), stack: string[] = [];
  const out: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index); low.set(v, index); index++; stack.push(v); on.add(v);
    for (const w of g.get(v) ?? []) {
      if (!g.has(w)) continue;
      if (!idx.has(w)) { visit(w); low.set(v, Math.min(low.get(v)!, low.get(w)!)); }
      else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      let w: string;
      do { w = stack.pop()!; on.delete(w); comp.push(w); } while (w !== v);
      if (comp.length > 1 || (g.get(v) ?? []).includes(v)) out.push(comp.sort());
    }
  };
  for (const v of g.keys()) if (!idx.has(v)) visit(v);
  return out;
}

// What each layer may not import. Faces: slack, cli, demo; the registry lists probes and checks for them.
const FACES = ['slack', 'cli', 'demo'];
const FORBIDDEN: Record<string, string[]> = {
  core: ['*'],
  pipeline: [...FACES, 'registry', 'probes', 'checks', 'render', 'store', 'outbox', 'fakes', 'lab'],
  net: [...FACES, 'registry', 'pipeline', 'probes', 'checks', 'render', 'store', 'opencx', 'openapi'],
  probes: [...FACES, 'registry', 'render', 'store', 'outbox'],
  checks: [...FACES, 'registry', 'render', 'store', 'outbox'],
  openapi: [...FACES, 'registry', 'render', 'store'],
  opencx: [...FACES, 'registry', 'render', 'store', 'probes'],
  render: [...FACES, 'registry', 'probes', 'checks', 'store', 'outbox'],
  store: [...FACES, 'registry', 'probes', 'checks'],
  // The audit runs what the faces give it (a diagnose function), like the pipeline.
  audit: [...FACES, 'registry', 'probes', 'checks', 'render', 'store', 'outbox'],
  watch: [...FACES, 'registry', 'probes', 'checks', 'render', 'store', 'outbox'],
};

test('no import cycles in src/', () => {
  assert.deepEqual(cycles(graph()), []);
});

test('arrows point down: no layer imports a face, the registry, or a layer above it', () => {
  const bad: string[] = [];
  for (const [from, deps] of graph()) {
    const rules = FORBIDDEN[top(from)];
    if (!rules) continue;
    for (const to of deps) {
      const layer = top(to);
      if (layer === top(from)) continue;
      if (rules.includes('*') || rules.includes(layer)) bad.push(`${from} -> ${to}`);
    }
  }
  assert.deepEqual(bad, []);
});

test('the checker finds a planted cycle and a planted upward arrow (it can fail)', () => {
  const g = new Map([['a.ts', ['b.ts']], ['b.ts', ['a.ts']], ['c.ts', []]]);
  assert.deepEqual(cycles(g), [['a.ts', 'b.ts']]);
  assert.equal(top('pipeline/run.ts'), 'pipeline');
  assert.ok(FORBIDDEN.pipeline!.includes(top('slack/app.ts')));
});
