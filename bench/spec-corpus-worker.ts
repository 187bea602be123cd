/**
 * The child process of bench/spec-corpus.ts: takes one spec at a time over IPC, runs the check, the fix and every
 * invariant on it, and sends back what it found. The parent bounds its time and memory: a hang or an out-of-memory
 * ends this process, not the sweep.
 */
import { readFileSync } from 'node:fs';
import SwaggerParser from '@apidevtools/swagger-parser';
import { stringify } from 'yaml';
import { isDeepStrictEqual } from 'node:util';
import { checkSpecText } from '../src/openapi/run-check.js';
import { newCheckMemo, type SpecReport } from '../src/openapi/check.js';
import { fixSpec } from '../src/openapi/fix.js';
import { operationCauses } from '../src/openapi/report-view.js';
import { fixBreaks, type Break } from '../test/openapi/fix-invariants.js';

export interface SpecTask { file: string; name: string; yaml: boolean }
export interface SpecResult {
  name: string;
  bytes: number;
  ms: number;
  /** Parse error message when the spec does not parse (OpenCX's failed_to_parse_spec). */
  parseError?: string;
  version?: string;
  operations?: number;
  /** Operations flagged per cause (any severity). */
  causes?: Record<string, number>;
  /** Up to 3 (operation, pointer, message) per cause, for hand-checking. */
  samples?: Record<string, { operation: string; pointer: string; message: string }[]>;
  fixableOps?: number;
  applied?: number;
  refused?: number;
  /** Why the fix was not written (`problem`), when it was not. */
  notWritten?: string;
  breaks: Break[];
  /** The YAML twin was checked too (and its breaks are in `breaks`, kinds prefixed `yaml-`). */
  yamlChecked?: boolean;
}

const FIXABLE = new Set(['spec-oneof', 'spec-invalid-type', 'spec-array-without-items', 'spec-not', 'spec-circular-ref', 'spec-nullable-misuse']);

const validates = (api: unknown): Promise<boolean> => (SwaggerParser.validate(structuredClone(api) as never, { resolve: { external: false } } as never) as unknown as Promise<unknown>).then(() => true, () => false);

function tally(report: SpecReport): { causes: Record<string, number>; samples: SpecResult['samples']; fixableOps: number } {
  const causes: Record<string, number> = {};
  const fixable = new Set<string>();
  for (const k of operationCauses(report)) {
    const op = k.slice(0, k.lastIndexOf('|'));
    const id = k.slice(k.lastIndexOf('|') + 1);
    if (op === '(document)') continue;
    causes[id] = (causes[id] ?? 0) + 1;
    if (FIXABLE.has(id)) fixable.add(op);
  }
  const samples: NonNullable<SpecResult['samples']> = {};
  for (const i of report.issues) {
    const list = (samples[i.cause.id] ??= []);
    if (list.length < 3) list.push({ operation: i.operation ?? i.component ?? '(document)', pointer: i.pointer, message: i.message.slice(0, 300) });
  }
  return { causes, samples, fixableOps: fixable.size };
}

/** Check, fix and every invariant for one text; breaks are pushed with `prefix` on their kind. */
async function sweepText(origin: string, text: string, prefix: string, breaks: Break[], stage: (s: string) => void): Promise<{ report: SpecReport; fix: ReturnType<typeof fixSpec> } | { parseError: string }> {
  stage(`${prefix}check`);
  const memo = newCheckMemo();
  let outcome;
  try {
    outcome = checkSpecText(origin, text, { memo });
  } catch (err) {
    breaks.push({ kind: `${prefix}throws-check`, message: String((err as Error)?.stack ?? err).split('\n').slice(0, 3).join(' ') });
    return { parseError: 'threw' };
  }
  if (!outcome.ok) return { parseError: outcome.parseError.message };
  stage(`${prefix}fix`);
  let fix;
  try {
    fix = fixSpec(outcome.spec, { report: outcome.report, memo });
  } catch (err) {
    breaks.push({ kind: `${prefix}throws-fix`, message: String((err as Error)?.stack ?? err).split('\n').slice(0, 3).join(' ') });
    return { report: outcome.report, fix: { text, applied: [], changed: [], refused: [], report: outcome.report, output: outcome.spec.api, problem: 'threw' } };
  }
  if (fix.problem === null && fix.applied.length) {
    const { breaks: b, out } = fixBreaks(outcome.spec, outcome.report, fix, (s) => stage(prefix + s));
    for (const x of b) breaks.push({ kind: prefix + x.kind, message: x.message });
    // (A YAML twin is not validated again: its output must be the same document as the JSON one's, which is.)
    if (out && !prefix) {
      stage(`${prefix}validate`);
      if ((await validates(outcome.spec.api)) && !(await validates(out.api))) breaks.push({ kind: `${prefix}validate`, message: 'the input passes swagger-parser validate, the output does not' });
    }
  }
  return { report: outcome.report, fix };
}

async function sweep(task: SpecTask, stage: (s: string) => void): Promise<SpecResult> {
  const t0 = performance.now();
  const text = readFileSync(task.file, 'utf8');
  const breaks: Break[] = [];
  const res: SpecResult = { name: task.name, bytes: Buffer.byteLength(text), ms: 0, breaks };
  const json = await sweepText(task.name, text, '', breaks, stage);
  if ('parseError' in json) {
    res.parseError = json.parseError;
  } else {
    const { report, fix } = json;
    Object.assign(res, { version: report.version, operations: report.operations.length, ...tally(report), applied: fix.applied.length, refused: fix.refused.length });
    if (fix.problem) res.notWritten = fix.problem;
    // The same content as YAML (block style, as bench/spec.ts writes Graph's twin): the YAML path must keep the same
    // invariants and come to the same document.
    if (task.yaml && fix.applied.length) {
      res.yamlChecked = true;
      stage('yaml-stringify');
      const y = stringify(JSON.parse(text), { lineWidth: 0, aliasDuplicateObjects: false });
      const yr = await sweepText(task.name.replace(/\.json$/, '.yaml'), y, 'yaml-', breaks, stage);
      if (!('parseError' in yr)) {
        stage('yaml-same');
        if (yr.fix.problem !== fix.problem && !(yr.fix.problem && fix.problem)) breaks.push({ kind: 'yaml-same', message: `JSON: ${fix.problem ?? 'written'}; YAML: ${yr.fix.problem ?? 'written'}` });
        else if (!fix.problem && !isDeepStrictEqual(yr.fix.output, fix.output)) breaks.push({ kind: 'yaml-same', message: 'the YAML fix and the JSON fix give different documents' });
      } else breaks.push({ kind: 'yaml-parse', message: yr.parseError });
    }
  }
  res.ms = Math.round(performance.now() - t0);
  return res;
}

process.on('message', (task: SpecTask) => {
  const stage = (s: string) => process.send!({ stage: s });
  sweep(task, stage).then(
    (r) => process.send!({ result: r }),
    (err) => process.send!({ result: { name: task.name, bytes: 0, ms: 0, breaks: [{ kind: 'throws', message: String((err as Error)?.stack ?? err).split('\n').slice(0, 3).join(' ') }] } satisfies SpecResult }),
  );
});
process.send!({ ready: true });
