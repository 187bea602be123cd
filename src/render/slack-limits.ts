/** Slack's Block Kit limits (docs.slack.dev/reference/block-kit), enforced by the renderers and the fake Slack alike. */
export const SLACK_LIMITS = {
  blocksPerMessage: 50,
  blocksPerModal: 100,
  sectionText: 3000,
  headerText: 150,
  buttonText: 75,
  buttonValue: 2000,
  contextElements: 10,
  actionsElements: 25,
  fallbackText: 4000,
  privateMetadata: 3000,
  modalTitle: 24,
} as const;

/** Cuts text to a limit, saying where the rest is. */
export function cut(text: string, max: number, pointer = '… (more in the thread)'): string {
  if (text.length <= max) return text;
  return text.slice(0, Math.max(0, max - pointer.length)) + pointer;
}

/** Escapes the three characters Slack's mrkdwn treats as control characters. */
export function mrkdwnEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Text that is already mrkdwn: our own markup, in which everything that is not ours has been escaped. Only `md` and
 * the reference helpers below make one, so "is this escaped?" is answered by the type, not by memory.
 */
export class Mrkdwn {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

/**
 * THE escaping rule for text that is not ours (users, probed endpoints, OpenCX, ticket forms, file names): it enters
 * markup escaped, so `<!channel>`, `<@U…>` or `<https://evil|click>` from outside is shown, never acted on. It applies
 * to mrkdwn text objects, code spans (Slack parses `<…>` inside them too) and a message's fallback `text` (also mrkdwn).
 */
export function mrkdwn(x: string | Mrkdwn): string {
  return x instanceof Mrkdwn ? x.text : mrkdwnEscape(x);
}

/** A template whose literal parts are ours and whose values are escaped (unless already Mrkdwn). */
export function md(strings: TemplateStringsArray, ...values: (string | number | Mrkdwn | null | undefined)[]): Mrkdwn {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    out += v instanceof Mrkdwn ? v.text : mrkdwnEscape(String(v ?? '')) ;
    out += strings[i + 1] ?? '';
  });
  return new Mrkdwn(out);
}

/** A user mention, only for an ID shaped like Slack's; anything else is shown as text. */
export function userRef(id: string): Mrkdwn {
  return /^[UW][A-Z0-9]{2,}$/.test(id) ? new Mrkdwn(`<@${id}>`) : new Mrkdwn(mrkdwnEscape(id));
}

/** A channel reference, only for an ID shaped like Slack's. */
export function channelRef(id: string): Mrkdwn {
  return /^[CGD][A-Z0-9]{2,}$/.test(id) ? new Mrkdwn(`<#${id}>`) : new Mrkdwn(mrkdwnEscape(id));
}

/** A link to a Slack permalink we were given by Slack's API (https only; `|` and `>` cannot break out). */
export function linkRef(url: string, label: string): Mrkdwn {
  if (!/^https:\/\/[^\s<>|]+$/.test(url)) return new Mrkdwn(mrkdwnEscape(label));
  return new Mrkdwn(`<${url}|${mrkdwnEscape(label)}>`);
}
