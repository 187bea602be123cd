import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ticketMarkdown, ticketBlocks, escalatedLine, TicketSchema, TICKET_ACTIONS, type Ticket } from '../../src/render/ticket.js';
import { ticketDraft } from '../../src/slack/support.js';
import type { Card } from '../../src/slack/card-store.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { NO_PROBLEM_TITLE } from '../../src/pipeline/verdict.js';
import { labReports, encodings, type LabReport } from '../helpers/lab-reports.js';

let runs: LabReport[] = [];
let store: SqliteStore;
before(async () => {
  runs = await labReports();
  store = new SqliteStore(join(mkdtempSync(join(tmpdir(), 'ticket-render-')), 'db.sqlite'));
});

/** A ticket the way the bot makes one: a draft from the card's reports, stored in real SQLite and read back. */
async function ticketFor(r: LabReport, extra: Partial<Parameters<typeof ticketDraft>[2]> = {}): Promise<Ticket> {
  const card = { id: `c-${r.scenario.id}`, channel: 'C1', ts: '1.1', team: 'T1', user: 'U0REQUEST1', input: { action: `Lab ${r.scenario.id}`, session: 'ses_lab' }, reports: [r.report], running: false } as unknown as Card;
  const draft = ticketDraft(card, 'U0REQUEST1', { expected: 'The AI looks the order up', impact: 'Every order question is handed off', urgency: 'high', ...extra }, 'https://slack.example/archives/C1/p11', []);
  if (!(await store.diagnosis(r.report.id))) await store.saveDiagnosis({ id: r.report.id, cardId: null, createdAt: r.report.startedAt, requester: 'U0REQUEST1', workspace: 'T1', channel: 'C1', threadTs: '1.1', kind: 'first', report: r.report });
  return TicketSchema.parse((await store.createTicket(`key-${r.scenario.id}-${Math.random()}`, draft, () => [])).ticket);
}

test('the Markdown ticket carries every field support asks for', async () => {
  for (const r of runs) {
    const t = await ticketFor(r);
    const md = ticketMarkdown(t);
    assert.match(md, new RegExp(`^# Action failure: Lab ${r.scenario.id} \\(ticket #${t.number}, open\\)`), r.scenario.id);
    for (const field of ['Action', 'Session ID', 'Endpoint', 'Verdict', 'Urgency', 'First failure seen', 'Slack thread', 'Opened']) assert.match(md, new RegExp(`^- \\*\\*${field}:\\*\\* \\S`, 'm'), `${r.scenario.id}: ${field}`);
    for (const section of ['Expected behaviour', 'Customer impact', 'Evidence (secrets redacted)', 'Suggested fix', 'Already tried']) assert.match(md, new RegExp(`^## ${section.replace(/[()]/g, '\\$&')}$`, 'm'), section);
    assert.ok(md.includes('- **Session ID:** ses_lab'));
    assert.ok(md.includes(`- **Endpoint:** ${r.report.input.method} ${r.report.input.endpoint}`));
    assert.ok(md.includes('- **Urgency:** high'));
    assert.ok(md.includes('The AI looks the order up') && md.includes('Every order question is handed off'));
    assert.ok(md.includes(`## Suggested fix\n${r.report.verdict.fix}`));
    for (const e of r.report.verdict.evidence) assert.ok(md.includes(`- ${e}`), `${r.scenario.id}: evidence missing`);
    assert.ok(md.includes('- (nothing yet)'), 'nothing tried is said, not left blank');
  }
});

test('the ticket verdict names family and cause for a failure and only says no problem when nothing failed', async () => {
  for (const r of runs) {
    const md = ticketMarkdown(await ticketFor(r));
    const line = md.split('\n').find((l) => l.startsWith('- **Verdict:**'))!;
    if (r.scenario.expect.family === null) assert.equal(line, `- **Verdict:** ${NO_PROBLEM_TITLE.toLowerCase()}`);
    else {
      assert.ok(line.includes(`family ${r.report.verdict.family}:`) && line.includes(`\`${r.report.verdict.cause}\``), line);
      assert.ok(!md.toLowerCase().includes(NO_PROBLEM_TITLE.toLowerCase()), `${r.scenario.id}: failing ticket says no problem`);
    }
  }
});

test('no saved header secret appears in the ticket (Markdown, card, or stored row), in any encoding', async () => {
  const withSecrets = runs.filter((r) => r.secrets.length);
  assert.ok(withSecrets.length >= 3);
  for (const r of withSecrets) {
    const t = await ticketFor(r);
    const all = ticketMarkdown(t) + JSON.stringify(ticketBlocks(t)) + JSON.stringify(await store.ticket(t.number));
    for (const s of r.secrets) for (const enc of encodings(s)) assert.ok(!all.includes(enc), `${r.scenario.id}: secret leaked`);
  }
});

test('the support card offers "Mark resolved" only while open, and says who resolved it after', async () => {
  const r = runs.find((x) => x.scenario.expect.family !== null)!;
  const open = await ticketFor(r);
  const openCard = ticketBlocks(open);
  const buttons = JSON.stringify(openCard.blocks);
  assert.ok(buttons.includes(TICKET_ACTIONS.resolve) && buttons.includes(`"value":"${open.number}"`));
  assert.ok(openCard.text.startsWith(`Ticket #${open.number}: `));
  const resolved = (await store.resolveTicket(open.number, 'U0RESOLVE2', () => []))!.ticket;
  const card = JSON.stringify(ticketBlocks(resolved).blocks);
  assert.ok(!card.includes(TICKET_ACTIONS.resolve));
  assert.ok(card.includes('Resolved by <@U0RESOLVE2>'));
  assert.match(ticketMarkdown(resolved), new RegExp(`\\(ticket #${open.number}, resolved\\)[\\s\\S]*resolved .* by U0RESOLVE2`));
  assert.equal(escalatedLine(open), `:ticket: Escalated as ticket #${open.number} by <@U0REQUEST1>`);
});

test('user-typed text cannot ping or link in the support card (Slack mrkdwn is escaped)', async () => {
  const t = await ticketFor(runs[0]!, { expected: '<!channel> see <https://evil.example|here>', impact: 'a & b' });
  const card = JSON.stringify(ticketBlocks(t).blocks);
  assert.ok(!card.includes('<!channel>'), 'a broadcast ping got through');
  assert.ok(!card.includes('<https://evil.example'), 'a link got through');
  assert.ok(card.includes('&lt;!channel&gt;'));
});
