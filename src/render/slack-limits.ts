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
