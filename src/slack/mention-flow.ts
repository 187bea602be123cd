import * as z from 'zod';
import type { webApi } from '@slack/bolt';
import { postThread, rerunCard, stillRunning, workPayload, type FlowDeps } from './diagnose-flow.js';
import { downloadSharedFile, looksLikeSpec, SharedFileError, SharedFileSchema, uploadKey, type SharedFile } from './thread-file.js';
import { errorMessage } from '../render/blocks.js';
import { decodeSlackEntities, unwrapLink } from './parse-command.js';
import { slackSpecRefusal } from './spec-source.js';
import { withoutCredentials } from './replay-input.js';
import { crashPoint } from '../core/crash-point.js';
import type { UploadedSpecs } from '../openapi/uploaded-specs.js';
import type { DiagnosisInput } from '../pipeline/input.js';

type WebClient = webApi.WebClient;

/** The part of an `app_mention` event we act on. */
export const MentionEventSchema = z.object({
  type: z.literal('app_mention'),
  channel: z.string().min(1),
  user: z.string().optional(),
  text: z.string(),
  ts: z.string(),
  thread_ts: z.string().optional(),
  files: z.array(z.unknown()).optional(),
});

/** An Events API delivery carrying a mention: what is recorded before Bolt acknowledges it. */
export const MentionDeliverySchema = z.object({
  type: z.literal('event_callback'),
  event_id: z.string().min(1),
  team_id: z.string().optional(),
  enterprise_id: z.string().nullish(),
  authorizations: z.array(z.object({ is_enterprise_install: z.boolean().optional() }).passthrough()).optional(),
  event: MentionEventSchema,
});

/** What a mention asks for, read once from its text and files. */
export const MentionIntentSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('rerun') }),
  /** `credentialsDropped`: stored without the URL's credentials (user:pass@, a key in the query), so it cannot be fetched again. */
  z.object({ kind: z.literal('spec'), spec: z.string(), credentialsDropped: z.boolean().optional() }),
  z.object({ kind: z.literal('file'), file: SharedFileSchema }),
  z.object({ kind: z.literal('not-a-spec-file') }),
  z.object({ kind: z.literal('unknown') }),
]);
export type MentionIntent = z.infer<typeof MentionIntentSchema>;

/** A mention as the work table keeps it: where, who, and what it asks (a spec URL without its credentials). */
export const StoredMentionSchema = z.object({
  eventId: z.string(),
  channel: z.string(),
  threadTs: z.string().optional(),
  user: z.string().optional(),
  intent: MentionIntentSchema,
});
export type StoredMention = z.infer<typeof StoredMentionSchema>;

export function mentionIntent(event: z.infer<typeof MentionEventSchema>): MentionIntent {
  // A spec attached to the mention itself: Slack puts the files on the app_mention event, so reading them needs only
  // app_mentions:read and files:read, not every message in the channel (message.* events and *:history scopes).
  const files = (event.files ?? []).map((f) => SharedFileSchema.safeParse(f)).flatMap((r) => (r.success ? [r.data] : []));
  if (files.length) {
    const file = files.find(looksLikeSpec);
    return file ? { kind: 'file', file } : { kind: 'not-a-spec-file' };
  }
  const text = decodeSlackEntities(event.text.replace(/<@[A-Z0-9]+>/g, '').trim());
  const [verb, ...rest] = text.split(/\s+/);
  if (verb?.toLowerCase() === 'rerun') return { kind: 'rerun' };
  if (verb?.toLowerCase() === 'spec' && rest[0]) return { kind: 'spec', spec: unwrapLink(rest[0]) };
  return { kind: 'unknown' };
}

/** The mention as stored: a spec URL's credentials are never written to the database (they become [redacted]). */
export function storedMention(eventId: string, event: z.infer<typeof MentionEventSchema>): StoredMention {
  const intent = mentionIntent(event);
  const spec = intent.kind === 'spec' ? withoutCredentials(intent.spec) : '';
  const kept: MentionIntent = intent.kind === 'spec' ? { kind: 'spec', spec, ...(spec !== intent.spec ? { credentialsDropped: true } : {}) } : intent;
  return { eventId, channel: event.channel, ...(event.thread_ts ? { threadTs: event.thread_ts } : {}), ...(event.user ? { user: event.user } : {}), intent: kept };
}

const HELP = 'Mention me in the thread of a diagnosis card: `rerun`, `spec &lt;url&gt;`, or attach the spec file to the mention. To start one: `/action-debug help`.';
const UNKNOWN = 'I know `rerun` and `spec &lt;url&gt;` here, and I read an OpenAPI file (.json, .yaml) attached to a mention in this thread.';

/**
 * What people say in a card's thread: `@action-debug rerun`, `@action-debug spec <url>`, or a spec file attached.
 * Each is answered in that thread. `workId` is the mention's own work row (recorded before Slack's ack): a re-run it
 * asks for becomes a re-run row first (keyed by the event, so taking the mention up again after a crash starts nothing
 * twice), and only then is the mention's row finished.
 */
export async function handleMention(
  deps: FlowDeps,
  uploads: UploadedSpecs,
  client: WebClient,
  m: { eventId: string; channel: string; threadTs?: string | undefined; user?: string | undefined; intent: MentionIntent },
  botToken: string,
  workId?: string,
): Promise<void> {
  const work = deps.work;
  const finish = (outcome: string) => work?.done(workId, outcome);
  const reply = async (text: string) => {
    await client.chat.postMessage({ channel: m.channel, ...(m.threadTs ? { thread_ts: m.threadTs } : {}), text });
    await finish('replied');
  };
  const card = m.threadTs ? await deps.cards.byMessage(m.channel, m.threadTs) : undefined;
  if (!card) return reply(HELP);
  const by = m.user ?? card.user;
  let change: Partial<DiagnosisInput> | undefined;
  let why = 'Re-run';
  switch (m.intent.kind) {
    case 'not-a-spec-file':
      return reply('I read OpenAPI files (.json, .yaml) attached to a mention here; other files are left alone.');
    case 'unknown':
      return reply(UNKNOWN);
    case 'spec': {
      const refused = slackSpecRefusal(m.intent.spec);
      if (refused) return reply(refused);
      if (m.intent.credentialsDropped) return reply(`<@${by}>: your \`spec\` mention was interrupted by a restart of action-debug, and the spec URL's credentials are never stored: mention me again with it.`);
      change = { spec: m.intent.spec };
      why = 'Re-run with the spec';
      break;
    }
    case 'file': {
      const file: SharedFile = m.intent.file;
      let spec: string;
      try {
        spec = await downloadSharedFile(file, botToken, deps.settings.SLACK_API_URL);
      } catch (err) {
        const reason = err instanceof SharedFileError ? err.message : `the download failed (${(err as Error).message})`;
        deps.log.warn({ card: card.id, file: file.id, err: reason }, 'shared spec not read');
        await client.chat.postMessage({ channel: card.channel, thread_ts: m.threadTs!, ...errorMessage(`I could not read ${file.name}: ${reason}.`, false) });
        return void (await finish('refused'));
      }
      const key = uploadKey(file);
      await uploads.put(card.team, key, spec);
      change = { spec: key };
      why = `Re-run with ${file.name}`;
      break;
    }
    case 'rerun':
      break;
  }
  // The re-run's own row, keyed by the event: if this mention is taken up again after a crash, it finds this row
  // (created: false) and leaves the re-run to be taken up on its own. Started in the card's one-run-at-a-time
  // transaction, as a Re-run click is: a mention and a click at once (on any instances) run once.
  const rec = await work?.beginCardRun({
    kind: 'rerun', dedupeKey: `event:${m.eventId}:rerun`, cardId: card.id, cardTs: card.ts, workspace: card.team, channel: card.channel, requester: by,
    payload: workPayload({ ...card.input, ...change }, { why }),
  });
  crashPoint('mention:after-handoff');
  await finish('handed-off');
  if (rec && !rec.created) return;
  if (rec?.conflict) return void (await postThread(deps, client, card, errorMessage(stillRunning(why), false)));
  await rerunCard(deps, client, card, why, change, by, undefined, rec?.row.id);
}
