import { rerunCard } from '../../diagnose-flow.js';
import { downloadSharedFile, FileShareEventSchema, looksLikeSpec, SharedFileError, SharedFileSchema, uploadKey } from '../../thread-file.js';
import { errorMessage } from '../../../render/blocks.js';
import { unwrapLink } from '../../parse-command.js';
import type { App, ListenerDeps } from '../deps.js';
import { slackSpecRefusal } from '../../spec-source.js';

/**
 * What people say in a card's thread: `@action-debug rerun`, `@action-debug spec <url>`, or a spec file shared there.
 * Each is answered in that thread with a new verdict and what changed; messages elsewhere are none of our business.
 */
export function register(app: App, d: ListenerDeps): void {
  const deps = d.flow;
  const uploads = d.uploads;
  app.event('app_mention', async ({ event, client, context }) => {
    if (context.retryNum) return; // a retried event: the first delivery is already being handled
    // A mention that carries a file also arrives as a file_share message, which handles the file.
    if ((event as { files?: unknown[] }).files?.length) return;
    const text = event.text.replace(/<@[A-Z0-9]+>/g, '').trim();
    const [verb, ...rest] = text.split(/\s+/);
    const threadTs = (event as { thread_ts?: string }).thread_ts;
    const card = threadTs ? await deps.cards.byMessage(event.channel, threadTs) : undefined;
    const reply = (t: string) => client.chat.postMessage({ channel: event.channel, ...(threadTs ? { thread_ts: threadTs } : {}), text: t });
    if (!card) return void (await reply('Mention me in the thread of a diagnosis card: `rerun`, `spec <url>`, or share the spec file there. To start one: `/action-debug help`.'));
    if (verb?.toLowerCase() === 'rerun') return void (await rerunCard(deps, client, card, 'Re-run', undefined, event.user ?? card.user));
    if (verb?.toLowerCase() === 'spec' && rest[0]) {
      const spec = unwrapLink(rest[0]);
      const refused = slackSpecRefusal(spec);
      if (refused) return void (await reply(refused));
      return void (await rerunCard(deps, client, card, 'Re-run with the spec', { spec }, event.user ?? card.user));
    }
    await reply('I know `rerun` and `spec <url>` here, and I read an OpenAPI file (.json, .yaml) shared in this thread.');
  });

  app.event('message', async ({ event, client, context }) => {
    if (context.retryNum) return;
    const ev = FileShareEventSchema.safeParse(event);
    if (!ev.success || !ev.data.thread_ts) return;
    const card = await deps.cards.byMessage(ev.data.channel, ev.data.thread_ts);
    if (!card) return;
    const file = ev.data.files.map((f) => SharedFileSchema.safeParse(f)).flatMap((r) => (r.success ? [r.data] : [])).find(looksLikeSpec);
    if (!file) return;
    let text: string;
    try {
      text = await downloadSharedFile(file, context.botToken ?? '', deps.settings.SLACK_API_URL);
    } catch (err) {
      const why = err instanceof SharedFileError ? err.message : `the download failed (${(err as Error).message})`;
      deps.log.warn({ card: card.id, file: file.id, err: why }, 'shared spec not read');
      await client.chat.postMessage({ channel: card.channel, thread_ts: ev.data.thread_ts, ...errorMessage(`I could not read ${file.name}: ${why}.`, false) });
      return;
    }
    const key = uploadKey(file);
    await uploads.put(card.team, key, text);
    await rerunCard(deps, client, card, `Re-run with ${file.name}`, { spec: key }, ev.data.user ?? card.user);
  });
}
