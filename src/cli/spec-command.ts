import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { InputError } from '../core/input-error.js';
import { errorLine } from '../core/error-line.js';
import { redactUrl, rememberUrlSecrets } from '../core/redact.js';
import { netOptionsFromEnv } from '../net/settings.js';
import { loadAndCheck } from '../openapi/run-check.js';
import { fixSpec } from '../openapi/fix.js';
import { PROFILES, type Profile } from '../openapi/rules/profiles.js';
import type { SpecIssue } from '../openapi/issue.js';
import { newCheckMemo, type SpecReport } from '../openapi/check.js';
import { issuesByComponent, operationsByComponent } from '../openapi/report-view.js';
import type { Io } from './io.js';

export const SPEC_USAGE = `Usage: action-debug spec <file|https-url> [--fix out.yaml] [--json] [--profile ${PROFILES.join('|')}]

Checks an OpenAPI 2.0/3.0/3.1 file (JSON or YAML) before you import it into OpenCX: every operation the import
would reject (invalid_tool_schema, failed_to_parse_spec, cannot_determine_api_endpoint), why, and the fix.
  --fix FILE        write a spec that imports: oneOf/anyOf flattened, circular $refs cut, types mapped,
                    "may be null" written the way the spec's OpenAPI version reads it
  --json            print the issues as JSON
  --profile P       also warn where the tool schema breaks that AI provider's function-calling rules
External $refs (other files, other hosts) are reported, never read or fetched.
Exit code: 0 imports fine, 1 import errors found, 2 bad usage or unreadable input.`;

/** `action-debug spec`: exit 0 = imports fine, 1 = import errors, 2 = bad usage / unreadable input. */
export async function runSpecCommand(argv: string[], io: Io): Promise<number> {
  let values: { fix?: string; json?: boolean; profile?: string; help?: boolean; 'allow-private'?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv, strict: true, allowPositionals: true,
      options: { fix: { type: 'string' }, json: { type: 'boolean' }, profile: { type: 'string' }, help: { type: 'boolean', short: 'h' }, 'allow-private': { type: 'boolean' } },
    }));
  } catch (err) {
    io.stderr.write(`action-debug spec: ${(err as Error).message.split('\n')[0]}\n${SPEC_USAGE}\n`);
    return 2;
  }
  if (values.help) return void io.stdout.write(SPEC_USAGE + '\n'), 0;
  if (positionals.length !== 1) {
    io.stderr.write(`action-debug spec: give one spec file or https URL\n${SPEC_USAGE}\n`);
    return 2;
  }
  if (values.profile && !PROFILES.includes(values.profile as Profile)) {
    io.stderr.write(`action-debug spec: --profile must be one of ${PROFILES.join(', ')}\n`);
    return 2;
  }
  // A spec URL's credentials are secrets from here on (a download error or an echo quoting them is scrubbed).
  rememberUrlSecrets(positionals[0]!);
  let outcome;
  // With --fix, the check keeps what the fix's check of its output reuses (check.ts CheckMemo).
  const memo = values.fix ? newCheckMemo() : undefined;
  try {
    outcome = await loadAndCheck(positionals[0]!, { net: netOptionsFromEnv(io.env, { allowPrivate: values['allow-private'] ?? false }), ...(values.profile ? { profile: values.profile as Profile } : {}), ...(memo ? { memo } : {}) });
  } catch (err) {
    if (err instanceof InputError || (err as NodeJS.ErrnoException).code) {
      io.stderr.write(`action-debug spec: ${errorLine(err)}\n`);
      return 2;
    }
    throw err;
  }
  if (!outcome.ok) {
    const e = outcome.parseError;
    io.stderr.write(`action-debug spec: ${redactUrl(positionals[0]!)} cannot be imported (failed_to_parse_spec): ${e.message}${e.line ? ` at line ${e.line}, column ${e.column}` : ''}\n`);
    if (values.json) io.stdout.write(JSON.stringify({ origin: outcome.origin, importable: false, issues: outcome.report.issues.map(plain) }, null, 2) + '\n');
    return 2;
  }
  const { report } = outcome;
  const errors = report.issues.filter((i) => i.cause.severity === 'error' && i.cause.family === 1);
  let fixed: { applied: string[]; refused: string[]; remaining: number; out: string; written: boolean; problem: string | null } | null = null;
  if (values.fix && memo) {
    const r = fixSpec(outcome.spec, { report, memo });
    // A fix that would make the spec worse (invalid, or new errors) is never written: the report says why.
    if (!r.problem) writeFileSync(values.fix, r.text);
    fixed = { applied: r.applied, refused: r.refused, remaining: r.report.issues.filter((i) => i.cause.severity === 'error' && i.cause.family === 1).length, out: values.fix, written: !r.problem, problem: r.problem };
  }
  if (values.json) {
    // A shared component's issues are listed once (`component`); `reaches` names, per operation, the components
    // with issues its input reaches.
    const reaching = report.operations.filter((o) => o.reaches.length);
    if (report.issues.length <= 5000) {
      const value = { origin: report.origin, version: report.version, operations: report.operations.length, importable: errors.length === 0, issues: report.issues.map(plain), reaches: Object.fromEntries(reaching.map((o) => [o.label, o.reaches])), fix: fixed };
      io.stdout.write(JSON.stringify(value, null, 2) + '\n');
    } else {
      // A big report (Microsoft Graph: 5 MB) is written compactly and a few hundred entries at a time, the same JSON
      // without one string and one buffer of all of it at once (~30 MB of peak memory).
      const head = { origin: report.origin, version: report.version, operations: report.operations.length, importable: errors.length === 0 };
      io.stdout.write(`${JSON.stringify(head).slice(0, -1)},"issues":[`);
      for (let i = 0; i < report.issues.length; i += 500) io.stdout.write((i ? ',' : '') + JSON.stringify(report.issues.slice(i, i + 500).map(plain)).slice(1, -1));
      io.stdout.write('],"reaches":{');
      for (let i = 0; i < reaching.length; i += 500) io.stdout.write((i ? ',' : '') + JSON.stringify(Object.fromEntries(reaching.slice(i, i + 500).map((o) => [o.label, o.reaches]))).slice(1, -1));
      io.stdout.write(`},"fix":${JSON.stringify(fixed)}}\n`);
    }
  } else {
    io.stdout.write(renderSpecText(report));
    if (fixed) io.stdout.write(fixText(fixed));
  }
  return errors.length ? 1 : 0;
}

function fixText(f: { applied: string[]; refused: string[]; remaining: number; out: string; written: boolean; problem: string | null }): string {
  const out = [''];
  if (!f.written) out.push(`Not written: ${f.problem}`);
  else out.push(`Wrote ${f.out}: ${f.applied.length} change(s); import errors left: ${f.remaining}${f.remaining ? ' (those need a decision: see above)' : ''}.`);
  for (const a of f.applied.slice(0, 50)) out.push(`  changed: ${a}`);
  if (f.applied.length > 50) out.push(`  … and ${f.applied.length - 50} more (--json lists them all)`);
  for (const r of f.refused) out.push(`  not changed: ${r}`);
  return out.join('\n') + '\n';
}

function plain(i: SpecIssue) {
  return { id: i.cause.id, family: i.cause.family, severity: i.cause.severity, operation: i.operation, ...(i.component ? { component: i.component } : {}), pointer: i.pointer, message: i.message, fix: i.cause.fix };
}

const MAX_NAMED = 5;

/**
 * Per operation: its own issues, then the shared components it reaches that have issues (named, not repeated); then
 * each shared component once, with its issues and how many operations reach it.
 */
function renderSpecText(report: SpecReport): string {
  const { origin, version, issues } = report;
  const out = [`${origin} (OpenAPI ${version}, ${report.operations.length} operations)`];
  const byComponent = issuesByComponent(report);
  const users = operationsByComponent(report);
  const componentHasError = (c: string) => (byComponent.get(c) ?? []).some((i) => i.cause.severity === 'error');
  const failing = new Set<string>();
  for (const i of issues) if (!i.component && i.cause.severity === 'error') failing.add(i.operation ?? 'document');
  for (const o of report.operations) if (o.reaches.some(componentHasError)) failing.add(o.label);
  // The document's own errors (no servers, invalid structure) are not an operation's: said apart.
  const failingOps = failing.size - (failing.has('document') ? 1 : 0);
  if (failing.has('document')) out.push('✗ The document itself would fail the OpenCX import (listed under "(document)")');
  if (failingOps) out.push(`✗ ${failingOps} operation(s) would fail the OpenCX import`);
  else if (!failing.has('document')) out.push('✓ Every operation imports');
  const own = new Map<string, SpecIssue[]>();
  for (const i of issues) if (!i.component) (own.get(i.operation ?? '(document)') ?? own.set(i.operation ?? '(document)', []).get(i.operation ?? '(document)')!).push(i);
  const line = (i: SpecIssue) => [`  ${i.cause.severity === 'error' ? '✗' : '!'} [${i.cause.id}] ${i.message}`, `      at ${i.pointer}`, `      fix: ${i.cause.fix}`];
  const doc = own.get('(document)');
  if (doc) out.push('', '(document)', ...doc.flatMap(line));
  for (const o of report.operations) {
    const list = own.get(o.label) ?? [];
    if (!list.length && !o.reaches.length) continue;
    out.push('', o.label, ...list.flatMap(line));
    if (o.reaches.length) {
      const named = o.reaches.slice(0, MAX_NAMED).map((c) => `${c} (${byComponent.get(c)?.length ?? 0})`).join(', ');
      const more = o.reaches.length > MAX_NAMED ? ` and ${o.reaches.length - MAX_NAMED} more` : '';
      out.push(`  ${o.reaches.some(componentHasError) ? '✗' : '!'} reaches shared schemas with problems (listed below): ${named}${more}`);
    }
  }
  if (byComponent.size) out.push('', `Shared schemas (each listed once, with the operations whose input reaches it)`);
  for (const [c, list] of byComponent) {
    const u = users.get(c) ?? [];
    out.push('', `${c} (reached by ${u.length} operation${u.length === 1 ? '' : 's'}: ${u.slice(0, MAX_NAMED).join(', ')}${u.length > MAX_NAMED ? ` and ${u.length - MAX_NAMED} more` : ''})`, ...list.flatMap(line));
  }
  return out.join('\n') + '\n';
}
