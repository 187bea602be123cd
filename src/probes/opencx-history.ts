import { clip } from '../core/redact.js';
import { defineCause, finding, type Finding } from '../pipeline/finding.js';
import type { Evidence, Probe } from '../pipeline/probe.js';
import type { DiagnosisInput } from '../pipeline/input.js';
import { errorLine } from '../core/error-line.js';
import { findAction, needs, opencxOf, overlap } from '../opencx/facts.js';

const ID = 'opencx-history';

export const causes = {
  insufficientTools: defineCause({
    id: 'opencx-handoff-insufficient-tools', family: 4, severity: 'error', rank: 60,
    title: 'The AI handed this session off because it had no tool for the request',
    meaning: 'A handoff with reason insufficient_tools: the AI did not find an action it could use (not offered, or not matched).',
    fix: 'Check that the action is offered to this contact on this channel, and that its description matches what the customer asked.',
  }),
  partial: defineCause({
    id: 'opencx-history-partial', family: 4, severity: 'info', rank: 4,
    title: 'Part of the session could not be read from OpenCX',
    meaning: 'The session, its messages and its handoff events are read one by one; the ones listed could not be (a key without the scope, or OpenCX failing), so what depends on them was not checked.',
    fix: 'Add the scope named to OPENCX_API_KEY (or use a full-access key), or run again when OpenCX answers.',
  }),
  asked: defineCause({
    id: 'opencx-session-messages', family: 4, severity: 'info', rank: 5,
    title: 'What the customer asked in this session',
    meaning: 'The customer messages closest to the action\'s name and description: the ones that should have triggered it.',
    fix: 'If these should have triggered the action, make its description name their words.',
  }),
};

interface HistoryEvidence extends Evidence {
  status: string | null;
  channel: string | null;
  closure: string | null;
  handoffs: { reasons: string[]; summary: string | null; at: string }[];
  asked: string[];
  /** The facts OpenCX could not give (each read fails on its own: a key without one scope still gets the others). */
  unread: { what: string; why: string }[];
}

const reason = (r: PromiseSettledResult<unknown>) => (r.status === 'rejected' ? errorLine(r.reason) : '');

export const opencxHistoryProbe: Probe<HistoryEvidence, DiagnosisInput> = {
  id: ID,
  title: 'Session history',
  causes: Object.values(causes),
  withoutEndpoint: true,
  skip: needs('session'),
  async gather(ctx) {
    const facts = opencxOf(ctx);
    const id = ctx.input.session!;
    const [sessionR, itemsR, actionsR] = await Promise.allSettled([
      facts.session(id),
      facts.history(id),
      ctx.input.action ? facts.actions() : Promise.resolve([]),
    ]);
    const session = sessionR.status === 'fulfilled' ? sessionR.value : null;
    // The handoff search needs the session's dates; without them it asks OpenCX's default window (the last 30 days).
    const [handoffsR] = await Promise.allSettled([facts.handoffsFor(id, 'insufficient_tools', session)]);
    if (sessionR.status === 'rejected' && itemsR.status === 'rejected' && handoffsR.status === 'rejected') throw sessionR.reason;
    const unread: HistoryEvidence['unread'] = [];
    if (sessionR.status === 'rejected') unread.push({ what: 'the session', why: reason(sessionR) });
    if (itemsR.status === 'rejected') unread.push({ what: 'its messages', why: reason(itemsR) });
    if (handoffsR.status === 'rejected') unread.push({ what: 'its handoff events', why: reason(handoffsR) });
    const items = itemsR.status === 'fulfilled' ? itemsR.value : [];
    const actions = actionsR.status === 'fulfilled' ? actionsR.value : [];
    const action = ctx.input.action ? findAction(actions, ctx.input.action) : undefined;
    const about = action ? `${action.name} ${action.description ?? ''}` : ctx.input.action ?? '';
    const asked = items
      .filter((i) => i.event.type === 'message' && i.event.sender?.type === 'contact' && i.event.content?.text)
      .map((i) => i.event.content!.text)
      .map((text) => ({ text, score: about ? overlap(text, about) : 0 }))
      .sort((a, b) => b.score - a.score)
      .slice(0, 3)
      .map((x) => x.text);
    const found = handoffsR.status === 'fulfilled' ? handoffsR.value : null;
    const mine = (found?.events ?? []).map((h) => ({ reasons: h.reasons, summary: h.summary ?? null, at: h.created_at }));
    const searched = found
      ? `${found.window ? `${found.window.start} to ${found.window.end}` : 'the last 30 days (session dates unknown)'}, ${found.pages} page(s)${found.truncated ? ', stopped at the page limit' : ''}`
      : null;
    return {
      exchanges: [],
      status: session?.status ?? null,
      channel: session?.channel.type ?? null,
      closure: session?.ai_closure_type ?? null,
      handoffs: mine,
      asked,
      unread,
      facts: {
        status: session?.status ?? null,
        channel: session?.channel.type ?? null,
        'AI closure': session?.ai_closure_type ?? null,
        messages: itemsR.status === 'fulfilled' ? items.length : null,
        'insufficient_tools handoffs': found ? mine.length : null,
        'handoffs searched': searched,
        ...(unread.length ? { 'not read': unread.map((u) => `${u.what}: ${u.why}`).join(' | ') } : {}),
      },
    };
  },
  assess(ev): Finding[] {
    const out: Finding[] = [];
    for (const h of ev.handoffs) out.push(finding(causes.insufficientTools, ID, [`Handoff at ${h.at} with reasons ${h.reasons.join(', ')}`, ...(h.summary ? [`Summary: ${h.summary}`] : [])]));
    if (ev.asked.length) out.push(finding(causes.asked, ID, ev.asked.map((t) => `Customer: "${clip(t, 200, '')}"`)));
    if (ev.unread.length) out.push(finding(causes.partial, ID, ev.unread.map((u) => `Not read: ${u.what}: ${u.why}`)));
    return out;
  },
  summarize: (ev) =>
    `${ev.status ? `${ev.status} on ${ev.channel}${ev.closure ? `, ${ev.closure}` : ''}` : 'session not read'}` +
    (ev.unread.length ? `; not read: ${ev.unread.map((u) => `${u.what} (${u.why})`).join('; ')}` : ''),
};
