import { rerunCard } from '../../diagnose-flow.js';
import { downloadSharedFile, looksLikeSpec, SharedFileError, SharedFileSchema, uploadKey } from '../../thread-file.js';
import { errorMessage } from '../../../render/blocks.js';
import { decodeSlackEntities, unwrapLink } from '../../parse-command.js';
import type { App, ListenerDeps } from '../deps.js';
import { slackSpecRefusal } from '../../spec-source.js';

/**
 * What people say in a card's thread: `@action-debug rerun`, `@action-debug spec <url>`, or a spec file shared there.
 * Each is answered in that thread with a new verdict and what changed. Only mentions reach us: the app does not
 * subscribe to channel messages (least privilege), so a spec file comes attached to a mention.
 */
export function register(app: App, d: ListenerDeps): void {
  const deps = d.flow;
  const uploads = d.uploads;
  app.event('app_mention', async ({ event, client, context }) => {
    if (context.retryNum) return; // a retried event: the first delivery is already being handled
    const text = decodeSlackEntities(event.text.replace(/<@[A-Z0-9]+>/g, '').trim());
    const [verb, ...rest] = text.split(/\s+/);
    const threadTs = (event as { thread_ts?: string }).thread_ts;
    const card = threadTs ? await deps.cards.byMessage(event.channel, threadTs) : undefined;
    const reply = (t: string) => client.chat.postMessage({ channel: event.channel, ...(threadTs ? { thread_ts: threadTs } : {}), text: t });
    if (!card) return void (await reply('Mention me in the thread of a diagnosis card: `rerun`, `spec <url>`, or attach the spec file to the mention. To start one: `/action-debug help`.'.replace(/</g, '&lt;').replace(/>/g, '&gt;')));
    const by = event.user ?? card.user;
    // A spec attached to the mention itself: Slack puts the files on the app_mention event, so reading them needs only
    // app_mentions:read and files:read, not every message in the channel (message.* events and *:history scopes).
    const files = ((event as { files?: unknown[] }).files ?? []).map((f) => SharedFileSchema.safeParse(f)).flatMap((r) => (r.success ? [r.data] : []));
    if (files.length) {
      const file = files.find(looksLikeSpec);
      if (!file) return void (await reply('I read OpenAPI files (.json, .yaml) attached to a mention here; other files are left alone.'));
      let spec: string;
      try {
        spec = await downloadSharedFile(file, context.botToken ?? '', deps.settings.SLACK_API_URL);
      } catch (err) {
        const why = err instanceof SharedFileError ? err.message : `the download failed (${(err as Error).message})`;
        deps.log.warn({ card: card.id, file: file.id, err: why }, 'shared spec not read');
        await client.chat.postMessage({ channel: card.channel, thread_ts: threadTs!, ...errorMessage(`I could not read ${file.name}: ${why}.`, false) });
        return;
      }
      const key = uploadKey(file);
      await uploads.put(card.team, key, spec);
      return void (await rerunCard(deps, client, card, `Re-run with ${file.name}`, { spec: key }, by));
    }
    if (verb?.toLowerCase() === 'rerun') return void (await rerunCard(deps, client, card, 'Re-run', undefined, by));
    if (verb?.toLowerCase() === 'spec' && rest[0]) {
      const spec = unwrapLink(rest[0]);
      const refused = slackSpecRefusal(spec);
      if (refused) return void (await reply(refused));
      return void (await rerunCard(deps, client, card, 'Re-run with the spec', { spec }, by));
    }
    await reply('I know `rerun` and `spec &lt;url&gt;` here, and I read an OpenAPI file (.json, .yaml) attached to a mention in this thread.');
  });
}
