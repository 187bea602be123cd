import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeOpenCx, demoDataset, SCOPES, type FakeOpenCx } from '../../src/fakes/opencx/server.js';
import { startLab, type Lab } from '../../src/lab/index.js';
import { ReportSchema, type Report } from '../../src/pipeline/report.js';
import { runCli } from '../helpers/run-cli.js';

// Family 4 with no endpoint (issue 16, item 4): the CLI as a process against the fake OpenCX.
let api: FakeOpenCx;
let lab: Lab;
let labEnv: Record<string, string>;
before(async () => {
  lab = await startLab({ only: ['healthy'] });
  api = await startFakeOpenCx({ key: 'ocx_live_cli_planted_key_31', data: demoDataset({ order: lab.scenarios[0]!.url }) });
  labEnv = { NODE_EXTRA_CA_CERTS: lab.caFile(mkdtempSync(join(tmpdir(), 'ad-noep-'))), ACTION_DEBUG_ALLOW_PRIVATE: '1', ACTION_DEBUG_HOSTS: lab.hostsEnv() };
});
after(async () => {
  await api.close();
  await lab.close();
});

// The fake OpenCX is plain http on 127.0.0.1: only the lab switch lets the key go there (OPENCX_API_URL is https-only).
const env = (key = api.key) => ({ OPENCX_API_KEY: key, OPENCX_API_URL: api.url, OPENCX_TIMEOUT_MS: '3000', ACTION_DEBUG_ALLOW_PRIVATE: '1' });
const ENDPOINT_PROBES = ['dns', 'tls', 'request', 'header-blocking', 'auth', 'cors', 'rate-limit'];

async function jsonRun(args: string[], e: Record<string, string>) {
  const r = await runCli(['diagnose', '--json', '--quiet', ...args], e);
  let report: Report;
  try {
    report = ReportSchema.parse(JSON.parse(r.stdout));
  } catch (err) {
    throw new Error(`not a schemaVersion 2 report (exit ${r.code}): ${(err as Error).message.slice(0, 300)}\n${r.stdout.slice(0, 300)}\n${r.stderr.slice(0, 300)}`);
  }
  assert.ok(!r.stdout.includes(api.key) && !r.stderr.includes(api.key), 'the OpenCX key never appears');
  return { ...r, report };
}

test('a typo in the action name, no endpoint: a full report whose verdict is the missing action with the closest names, exit 1', async () => {
  const { code, report } = await jsonRun(['--session', 'ses_web', '--action', 'Lookup ordr'], env());
  assert.equal(code, 1);
  assert.equal(report.schemaVersion, 2);
  assert.equal(report.input.endpoint, null);
  assert.equal(report.verdict.family, 4);
  assert.equal(report.verdict.cause, 'opencx-action-missing');
  assert.match(report.verdict.fix, /^Did you mean "Look up order"\?/);
  assert.match(report.findings[0]!.evidence.join('\n'), /Did you mean: "Look up order", "Track order"/);
  for (const id of ENDPOINT_PROBES) {
    const p = report.probes.find((x) => x.id === id);
    if (p) assert.equal(p.status, 'skipped', id), assert.match(p.summary, /no endpoint known/, id);
  }
  // The session's checks still ran: the report is complete, not a usage error.
  assert.equal(report.probes.find((p) => p.id === 'opencx-history')!.status, 'passed');
  assert.equal(report.probes.find((p) => p.id === 'opencx-segments')!.status, 'passed');

  const text = await runCli(['diagnose', '--quiet', '--session', 'ses_web', '--action', 'Lookup ordr'], env());
  assert.equal(text.code, 1);
  assert.match(text.stdout, /no endpoint known/);
  assert.match(text.stdout, /Did you mean "Look up order"\?/);
  assert.doesNotMatch(text.stdout, /No problem found/);
});

test('OpenCX down (500) with no endpoint: the verdict is "OpenCX unavailable", every check says why it did not run, exit 1', async () => {
  api.fail('/', { status: 500, times: 1000 });
  let run;
  try {
    run = await jsonRun(['--session', 'ses_web', '--action', 'Look up order'], env());
  } finally {
    api.clearFaults();
  }
  const { code, report } = run;
  assert.equal(code, 1, 'exit 2 is for bad usage only');
  assert.equal(report.input.endpoint, null);
  assert.equal(report.verdict.cause, 'opencx-unavailable');
  assert.equal(report.verdict.family, 5);
  assert.match(report.findings[0]!.evidence.join('\n'), /OpenCX failed to answer the action list \(500\)/);
  for (const p of report.probes) {
    assert.ok(p.status === 'skipped' || p.status === 'error' || p.id === 'opencx-action', `${p.id}: ${p.status}`);
    if (p.id.startsWith('opencx-') && p.id !== 'opencx-action') assert.match(p.summary, /could not run: OpenCX failed to answer .* \(500\)/, p.id);
  }
});

test('OpenCX refuses the key with no endpoint: 401, or 403 naming the missing scope; exit 1', async () => {
  const bad = await jsonRun(['--session', 'ses_web', '--action', 'Look up order'], env('ocx_live_revoked_key_0000'));
  assert.equal(bad.code, 1);
  assert.equal(bad.report.verdict.cause, 'opencx-key-refused');
  assert.match(bad.report.findings[0]!.evidence[0]!, /refused the API key \(401\)/);
  assert.ok(!bad.stdout.includes('ocx_live_revoked_key_0000'));

  api.addKey('ocx_live_cli_no_actions_scope', SCOPES.filter((s) => s !== 'actions:read'));
  const scoped = await jsonRun(['--session', 'ses_web', '--action', 'Look up order'], env('ocx_live_cli_no_actions_scope'));
  assert.equal(scoped.code, 1);
  assert.equal(scoped.report.verdict.cause, 'opencx-key-refused');
  assert.match(scoped.report.findings[0]!.evidence[0]!, /lacks the scope actions:read/);
  // What the key may read is still read.
  assert.equal(scoped.report.probes.find((p) => p.id === 'opencx-segments')!.status, 'passed');
});

test('OpenCX down with an endpoint known: the endpoint probes still run and carry the verdict; the OpenCX checks say why they did not', async () => {
  api.fail('/', { status: 503, times: 1000 });
  let run;
  try {
    run = await jsonRun(['--session', 'ses_web', '--action', 'Look up order', '--endpoint', lab.scenarios[0]!.url, '--method', lab.scenarios[0]!.method], { ...env(), ...labEnv });
  } finally {
    api.clearFaults();
  }
  const { report } = run;
  assert.equal(report.input.endpoint, lab.scenarios[0]!.url);
  assert.equal(report.probes.find((p) => p.id === 'request')!.status, 'passed');
  assert.ok(lab.requests('healthy').length > 0, 'the endpoint was really probed');
  assert.ok(!report.findings.some((f) => f.id === 'opencx-unavailable'), 'with an endpoint, OpenCX being down is not the verdict');
  assert.match(report.probes.find((p) => p.id === 'opencx-action')!.summary, /could not run: OpenCX failed to answer the action list \(503\)/);
  assert.notEqual(report.verdict.family, 4);
});

test('a saved endpoint OpenCX would never call (none, or http://) is the verdict, not a usage error', async () => {
  const base = { description: 'Look up a legacy order by its number and return the status', request_type: 'GET', status: 'live', enabled_on_channel: { channels: ['web'] } };
  api.data.actions.push({ ...base, id: 'act_http', name: 'Legacy lookup', api_endpoint: 'http://legacy.acme.test/orders/{id}' }, { ...base, id: 'act_none', name: 'Draft lookup', api_endpoint: null });
  for (const [action, says] of [['Legacy lookup', /HTTPS endpoints only/], ['Draft lookup', /has no api_endpoint/]] as const) {
    const { code, report } = await jsonRun(['--session', 'ses_web', '--action', action], env());
    assert.equal(code, 1, action);
    assert.equal(report.input.endpoint, null, action);
    assert.equal(report.verdict.cause, 'opencx-saved-endpoint-unusable', action);
    assert.match(report.findings[0]!.evidence.join('\n'), says, action);
  }
});

test('bad usage stays exit 2: with OpenCX configured, neither an endpoint nor an action', async () => {
  const r = await runCli(['diagnose', '--session', 'ses_web'], env());
  assert.equal(r.code, 2);
  assert.match(r.stderr, /missing an endpoint or an action name/);
  assert.equal(r.stdout, '');
});

test('`action-debug schema` describes schemaVersion 2 with a nullable input.endpoint', async () => {
  const r = await runCli(['schema']);
  assert.equal(r.code, 0);
  const schema = JSON.parse(r.stdout) as { properties: { schemaVersion: { const: number }; input: { properties: { endpoint: unknown } } } };
  assert.equal(schema.properties.schemaVersion.const, 2);
  assert.match(JSON.stringify(schema.properties.input.properties.endpoint), /"null"/);
});
