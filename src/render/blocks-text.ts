/** Block Kit as readable terminal text, so the demo shows what a Slack user would see. */
const EMOJI: Record<string, string> = {
  ':white_check_mark:': '✓', ':x:': '✗', ':red_circle:': '●', ':warning:': '!', ':hourglass_flowing_sand:': '…', ':heavy_minus_sign:': '–',
};

type Block = { type: string; text?: { text: string }; elements?: { type: string; text?: string | { text: string }; action_id?: string }[]; fields?: { text: string }[] };

function plain(text: string): string {
  let t = text;
  for (const [k, v] of Object.entries(EMOJI)) t = t.split(k).join(v);
  return t
    .replace(/<@(\w+)>/g, '@$1')
    .replace(/<(https?:[^|>]+)\|([^>]+)>/g, '$2 ($1)')
    .replace(/\*([^*\n]+)\*/g, '$1')
    .replace(/```/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

export function blocksToText(blocks: unknown[], width = 100): string {
  const out: string[] = [];
  for (const raw of blocks as Block[]) {
    switch (raw.type) {
      case 'header':
        out.push(plain(raw.text?.text ?? '').toUpperCase(), '─'.repeat(Math.min(width, plain(raw.text?.text ?? '').length)));
        break;
      case 'section':
        out.push(plain(raw.text?.text ?? ''));
        for (const f of raw.fields ?? []) out.push(plain(f.text));
        break;
      case 'context':
        out.push(plain((raw.elements ?? []).map((e) => (typeof e.text === 'string' ? e.text : e.text?.text ?? '')).join('  ')));
        break;
      case 'actions':
        out.push((raw.elements ?? []).map((e) => `[ ${typeof e.text === 'string' ? e.text : e.text?.text ?? e.action_id} ]`).join(' '));
        break;
      case 'divider':
        out.push('─'.repeat(40));
        break;
      default:
        out.push(`(${raw.type})`);
    }
  }
  return out.join('\n');
}
