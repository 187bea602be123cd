import { defineCause, finding, type Finding } from '../pipeline/finding.js';
import type { Evidence, Probe } from '../pipeline/probe.js';
import { findAction, needs, opencxOf, overlap } from '../opencx/facts.js';

const ID = 'opencx-history';

export const causes = {
  insufficientTools: defineCause({
    id: 'opencx-handoff-insufficient-tools', family: 4, severity: 'error', rank: 60,
    title: 'The AI handed this session off because it had no tool for the request',
    meaning: 'A handoff with reason insufficient_tools: the AI did not find an action it could use (not offered, or not matched).',
    fix: 'Check that the action is offered to this contact on this channel, and that its description matches what the customer asked.',
  }),
  asked: defineCause({
    id: 'opencx-session-messages', family: 4, severity: 'info', rank: 5,
    title: 'What the customer asked in this session',
    meaning: 'The customer messages closest to the action\'s name and description: the ones that should have triggered it.',
    fix: 'If these should have triggered the action, make its description name their words.',
  }),
};

interface HistoryEvidence extends Evidence {
  status: string;
  channel: string;
  closure: string | null;
  handoffs: { reasons: string[]; summary: string | null; at: string }[];
  asked: string[];
}

export const opencxHistoryProbe: Probe<HistoryEvidence> = {
  id: ID,
  title: 'Session history',
  causes: Object.values(causes),
  skip: needs('session'),
  async gather(ctx) {
    const facts = opencxOf(ctx);
    const id = ctx.input.session!;
    const [session, items, handoffs, actions] = await Promise.all([
      facts.session(id),
      facts.history(id),
      facts.insufficientToolsHandoffs(),
      ctx.input.action ? facts.actions() : Promise.resolve([]),
    ]);
    const action = ctx.input.action ? findAction(actions, ctx.input.action) : undefined;
    const about = action ? `${action.name} ${action.description ?? ''}` : ctx.input.action ?? '';
    const asked = items
      .filter((i) => i.event.type === 'message' && i.event.sender?.type === 'contact' && i.event.content?.text)
      .map((i) => i.event.content!.text)
      .map((text) => ({ text, score: about ? overlap(text, about) : 0 }))
      .sort((a, b) => b.score - a.score)
      .slice(0, 3)
      .map((x) => x.text);
    const mine = handoffs.filter((h) => h.session_id === id).map((h) => ({ reasons: h.reasons, summary: h.summary ?? null, at: h.created_at }));
    return {
      exchanges: [],
      status: session.status,
      channel: session.channel.type,
      closure: session.ai_closure_type ?? null,
      handoffs: mine,
      asked,
      facts: { status: session.status, channel: session.channel.type, 'AI closure': session.ai_closure_type ?? null, messages: items.length, 'insufficient_tools handoffs': mine.length },
    };
  },
  assess(ev): Finding[] {
    const out: Finding[] = [];
    for (const h of ev.handoffs) out.push(finding(causes.insufficientTools, ID, [`Handoff at ${h.at} with reasons ${h.reasons.join(', ')}`, ...(h.summary ? [`Summary: ${h.summary}`] : [])]));
    if (ev.asked.length) out.push(finding(causes.asked, ID, ev.asked.map((t) => `Customer: "${t.slice(0, 200)}"`)));
    return out;
  },
  summarize: (ev) => `${ev.status} on ${ev.channel}${ev.closure ? `, ${ev.closure}` : ''}`,
};
