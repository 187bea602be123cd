import { InputError, parseHeaderArg, type DiagnosisInputDraft } from '../pipeline/input.js';

export type SlashCommand =
  | { kind: 'help' }
  | { kind: 'modal' }
  | { kind: 'history'; action: string }
  | { kind: 'audit' }
  | { kind: 'watch'; target: { all: true } | { action: string }; everyMs: number | null }
  | { kind: 'watch-list' }
  | { kind: 'watch-stop'; target: { all: true } | { action: string } }
  | { kind: 'diagnose'; draft: DiagnosisInputDraft };

/** Splits on spaces, keeping "quoted strings" (straight or the curly quotes Slack's clients type) together. */
export function tokenize(text: string): string[] {
  const normalized = text.replace(/[\u201C\u201D\u201E]/g, '"').replace(/[\u2018\u2019]/g, "'");
  const out: string[] = [];
  const re = /(\w[\w.-]*=)?"([^"]*)"|(\w[\w.-]*=)?'([^']*)'|(\S+)/g;
  for (let m = re.exec(normalized); m; m = re.exec(normalized)) {
    if (m[2] !== undefined) out.push((m[1] ?? '') + m[2]);
    else if (m[4] !== undefined) out.push((m[3] ?? '') + m[4]);
    else out.push(m[5]!);
  }
  if ((normalized.match(/"/g)?.length ?? 0) % 2) throw new InputError('a quote is not closed');
  return out;
}

/**
 * Slack delivers what users type with `&`, `<` and `>` as `&amp;`, `&lt;`, `&gt;` (commands and events alike): undone
 * before anything is parsed, so `…/orders/7?a=1&b=2` is probed as typed. `&amp;` last, so a typed "&lt;" stays text.
 */
export function decodeSlackEntities(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** Slack escapes links as <https://x|label> or <https://x>: keep the URL. */
export function unwrapLink(token: string): string {
  const m = /^<([^|>]+)(?:\|[^>]*)?>$/.exec(token);
  return m ? m[1]! : token;
}

const EXTRA = /^(method|spec|header|timeout|burst|param\.[\w-]+)=(.*)$/s;

/** `/action-debug <session-id> <action-name> <endpoint> [method=POST] [spec=<url>] [header="Name: v"] …` */
export function parseSlashCommand(text: string): SlashCommand {
  const trimmed = text.trim();
  if (!trimmed) return { kind: 'modal' };
  // Links Slack formatted (<https://…|…>) carry real brackets: unwrap each token first, then undo the entities.
  const tokens = tokenize(trimmed).map((t) => {
    const m = EXTRA.exec(t);
    return m ? `${m[1]}=${decodeSlackEntities(unwrapLink(m[2]!))}` : decodeSlackEntities(unwrapLink(t));
  });
  if (tokens[0]?.toLowerCase() === 'help') return { kind: 'help' };
  if (tokens[0]?.toLowerCase() === 'history') {
    if (!tokens[1]) throw new InputError('history needs an action name: /action-debug history "Look up order"');
    return { kind: 'history', action: tokens.slice(1).join(' ') };
  }
  if (tokens[0]?.toLowerCase() === 'audit') {
    if (tokens.length > 1) throw new InputError('audit takes nothing else: /action-debug audit');
    return { kind: 'audit' };
  }
  if (tokens[0]?.toLowerCase() === 'watch') return parseWatch(tokens.slice(1));
  const positional: string[] = [];
  const draft: DiagnosisInputDraft = { headers: [], pathParams: {} };
  for (const raw of tokens) {
    const m = EXTRA.exec(raw);
    if (!m) {
      positional.push(raw);
      continue;
    }
    const [, key, value] = m as unknown as [string, string, string];
    if (key === 'method') draft.method = value.toUpperCase() as 'GET';
    else if (key === 'spec') draft.spec = value;
    else if (key === 'header') (draft.headers as unknown[]).push(parseHeaderArg(value));
    else if (key === 'timeout') {
      if (!/^\d+(\.\d+)?$/.test(value)) throw new InputError(`timeout=${value} is not a number of seconds`);
      draft.timeoutMs = Math.round(Number(value) * 1000);
    } else if (key === 'burst') {
      if (!/^\d+$/.test(value)) throw new InputError(`burst=${value} is not a whole number`);
      draft.burst = Number(value);
    } else (draft.pathParams as Record<string, string>)[key.slice('param.'.length)] = value;
  }
  if (positional.length < 2) throw new InputError(`missing ${positional.length ? 'an action name' : 'a session ID'}`);
  if (positional.length > 3) throw new InputError(`too many words: quote an action name with spaces ("${positional.slice(1, -1).join(' ')}")`);
  // Without an endpoint the action's saved one is used, when OpenCX is configured (the app checks); with none saved the
  // diagnosis runs without one, as in the CLI.
  const [session, action, endpoint] = positional as [string, string, string?];
  return { kind: 'diagnose', draft: { ...draft, session, action, ...(endpoint !== undefined ? { endpoint } : {}) } };
}

const WATCH_USAGE = 'watch "Look up order" [every=15m], watch all [every=1h], watch list, watch stop "Look up order" | all';

/** `every=15m`, `every=2h`, `every=90s`: the interval in ms (limits are checked by the watch itself). */
export function parseEvery(value: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|hr|d)?$/i.exec(value.trim());
  if (!m) throw new InputError(`every=${value} is not an interval: use minutes or hours, e.g. every=15m or every=1h`);
  const unit = (m[2] ?? 'm').toLowerCase();
  const ms = Number(m[1]) * (unit.startsWith('s') ? 1_000 : unit.startsWith('h') ? 3_600_000 : unit === 'd' ? 86_400_000 : 60_000);
  if (!(ms > 0)) throw new InputError(`every=${value} must be more than zero`);
  return Math.round(ms);
}

function parseWatch(rest: string[]): SlashCommand {
  const sub = rest[0]?.toLowerCase();
  if (!sub) throw new InputError(`watch needs an action name or "all": ${WATCH_USAGE}`);
  if (sub === 'list') {
    if (rest.length > 1) throw new InputError(`watch list takes nothing else: ${WATCH_USAGE}`);
    return { kind: 'watch-list' };
  }
  if (sub === 'stop') {
    const what = rest.slice(1).join(' ').trim();
    if (!what) throw new InputError(`watch stop needs an action name or "all": ${WATCH_USAGE}`);
    return { kind: 'watch-stop', target: what.toLowerCase() === 'all' ? { all: true } : { action: what } };
  }
  let everyMs: number | null = null;
  const words: string[] = [];
  for (const t of rest) {
    const m = /^every=(.*)$/is.exec(t);
    if (m) everyMs = parseEvery(m[1]!);
    else if (/^\w+=/.test(t)) throw new InputError(`watch takes only every=…: ${WATCH_USAGE}`);
    else words.push(t);
  }
  const name = words.join(' ').trim();
  if (!name) throw new InputError(`watch needs an action name or "all": ${WATCH_USAGE}`);
  return { kind: 'watch', target: name.toLowerCase() === 'all' ? { all: true } : { action: name }, everyMs };
}
