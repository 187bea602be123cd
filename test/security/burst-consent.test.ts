import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLab, type Lab } from '../../src/lab/index.js';
import { runCli } from '../helpers/run-cli.js';
import { startHarness, type Harness } from '../helpers/slack-harness.js';
import { NetOptionsSchema } from '../../src/net/options.js';

// Issue 17.4: a burst needs the owner's consent; a CIDR allow-list (ACTION_DEBUG_ALLOW_PRIVATE=127.0.0.1/32) does not
// waive it: only the lab switch itself (=1) does.

let lab: Lab;
let h: Harness;
before(async () => {
  lab = await startLab({ only: ['healthy'] });
  h = await startHarness({ lab, deps: { net: NetOptionsSchema.parse({ allowPrivate: ['127.0.0.1/32'], extraCa: [lab.caPem], hosts: lab.hosts }) } });
});
after(async () => {
  await h?.close();
  await lab?.close();
});
const url = () => lab.scenarios.find((s) => s.id === 'healthy')!.url;

test('the CLI with a CIDR allow-list: --burst without --confirm-owner is refused before any request', async () => {
  const env = { NODE_EXTRA_CA_CERTS: lab.caFile(mkdtempSync(join(tmpdir(), 'ad-burst-'))), ACTION_DEBUG_HOSTS: lab.hostsEnv() };
  const before = lab.requests('healthy').length;
  const refused = await runCli(['diagnose', '--endpoint', url(), '--burst', '5', '--quiet'], { ...env, ACTION_DEBUG_ALLOW_PRIVATE: '127.0.0.1/32' });
  assert.equal(refused.code, 2, refused.stderr);
  assert.match(refused.stderr, /--burst sends several calls in a row: add --confirm-owner/);
  assert.equal(lab.requests('healthy').length, before, 'nothing was sent');
  // With consent it runs (the CIDR list still opens the lab address).
  const consented = await runCli(['diagnose', '--endpoint', url(), '--burst', '3', '--confirm-owner', '--quiet', '--json'], { ...env, ACTION_DEBUG_ALLOW_PRIVATE: '127.0.0.1/32' });
  assert.ok(consented.code === 0 || consented.code === 1, consented.stderr);
  assert.ok(lab.requests('healthy').length > before);
});

test('Slack with a CIDR allow-list: burst= on the command is refused (the form asks for consent); nothing is sent', async () => {
  const before = lab.requests('healthy').length;
  const r = await h.driver.command(`ses_1 "Look up order" ${url()} burst=5`, { channel: 'CBURST' });
  assert.match(String(r.json?.['text']), /burst= sends several calls in a row: open the form/);
  await new Promise((res) => setTimeout(res, 300));
  assert.equal(h.slack.channel('CBURST').length, 0);
  assert.equal(lab.requests('healthy').length, before);
});
