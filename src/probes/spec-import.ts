import { defineCause, finding, type Finding } from '../pipeline/finding.js';
import type { Evidence, Probe } from '../pipeline/probe.js';
import { InputError } from '../core/input-error.js';
import { UPLOAD_PREFIX, type UploadedSpecsService } from '../openapi/uploaded-specs.js';
import { issuesToFindings } from '../openapi/findings.js';
import { specCauses, type SpecReport } from '../openapi/check.js';
import { fillPath } from '../pipeline/opencx-request.js';

const ID = 'spec-import';

/**
 * The OpenAPI reader (yaml and the spec checks), loaded only when a spec is given: it is most of what a CLI diagnosis
 * without a spec would otherwise load at start. A long-running process (the Slack app) loads it once at start instead.
 */
export const loadSpecReader = () => import('../openapi/run-check.js');

export const causes = {
  noOperation: defineCause({
    id: 'spec-endpoint-not-in-spec', family: 1, severity: 'warning', rank: 25,
    title: 'The endpoint is not an operation of the spec',
    meaning: 'No operation of the spec matches the diagnosed method and path: the action was not imported from this spec, or the spec is outdated.',
    fix: 'Check that the action was imported from this spec, and re-import after updating it.',
  }),
};

interface SpecEvidence extends Evidence {
  report: SpecReport;
  matched: string | null;
}

/** Path template → regex: /orders/{id} matches /orders/42, also under a server base path (/v1/orders/42). */
export function pathMatches(template: string, path: string): boolean {
  const pattern = template
    .split(/\{[^}]+\}/)
    .map((part) => part.replace(/[.*+?^$()|[\]\\]/g, '\\$&'))
    .join('[^/]+');
  return new RegExp(`${pattern}/?$`).test(path);
}

export const specImportProbe: Probe<SpecEvidence> = {
  id: ID,
  title: 'OpenAPI import',
  recheckLabel: 'Re-check the spec',
  causes: [...specCauses, causes.noOperation],
  skip: (input) => (input.spec ? null : 'no spec given (spec=<url> or --spec)'),
  async gather(ctx) {
    const source = ctx.input.spec!;
    const { checkSpecText, loadAndCheck } = await loadSpecReader();
    let outcome;
    if (source.startsWith(UPLOAD_PREFIX)) {
      const text = await (ctx.services as UploadedSpecsService).uploadedSpecs?.get(source);
      if (text === undefined) throw new InputError(`${source} is no longer kept (retention, or the app restarted without a database): share the file again`);
      outcome = checkSpecText(source, text);
    } else if ((ctx.services as UploadedSpecsService).localSpecFiles === false && !/^https:\/\//i.test(source)) {
      // A second wall behind the Slack listeners' check: a stored or revived input naming a path reads nothing either.
      throw new InputError('the spec is neither an https:// URL nor a shared file: files on this server are not read here');
    } else {
      outcome = await loadAndCheck(source, { net: ctx.net, timeoutMs: ctx.input.timeoutMs });
    }
    const report = outcome.report;
    const path = new URL(fillPath(ctx.input.endpoint, ctx.input.pathParams)).pathname;
    const op = report.operations.find((o) => o.method === ctx.input.method.toLowerCase() && pathMatches(o.path, path));
    return {
      exchanges: [],
      report,
      matched: op?.label ?? null,
      facts: { spec: report.origin, version: report.version, operations: report.operations.length, issues: report.issues.length, 'matching operation': op?.label ?? null },
    };
  },
  assess(ev, input): Finding[] {
    const out = issuesToFindings(ev.report, ID);
    // URL() percent-encodes the {id} placeholders; show the path as typed (only braces: decodeURI throws on a stray %).
    if (ev.report.operations.length && !ev.matched) out.push(finding(causes.noOperation, ID, [`${input.method} ${new URL(input.endpoint).pathname.replace(/%7B/gi, '{').replace(/%7D/gi, '}')} is not among the ${ev.report.operations.length} operations`]));
    return out;
  },
  summarize: (ev) => `${ev.report.operations.length} operations, none rejected${ev.matched ? `; matches ${ev.matched}` : ''}`,
};
