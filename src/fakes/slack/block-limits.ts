import { SLACK_LIMITS as L } from '../../render/slack-limits.js';

type AnyBlock = { type?: string; text?: { text?: string }; elements?: AnyBlock[]; fields?: { text?: string }[]; accessory?: AnyBlock };

/** The errors Slack answers with `invalid_blocks`, in its format ("… [json-pointer:/blocks/0/text/text]"). */
export function blockErrors(blocks: unknown, max: number = L.blocksPerMessage): string[] {
  if (blocks === undefined) return [];
  if (!Array.isArray(blocks)) return ['must be an array [json-pointer:/blocks]'];
  const errors: string[] = [];
  if (blocks.length > max) errors.push(`no more than ${max} items allowed [json-pointer:/blocks]`);
  (blocks as AnyBlock[]).forEach((b, i) => {
    const p = `/blocks/${i}`;
    const len = b.text?.text?.length ?? 0;
    if (b.type === 'header' && len > L.headerText) errors.push(`must be less than ${L.headerText + 1} characters [json-pointer:${p}/text/text]`);
    if (b.type === 'section' && len > L.sectionText) errors.push(`must be less than ${L.sectionText + 1} characters [json-pointer:${p}/text/text]`);
    if (b.type === 'section' && !b.text && !b.fields) errors.push(`must provide text or fields [json-pointer:${p}]`);
    if (b.type === 'actions') {
      if ((b.elements?.length ?? 0) > L.actionsElements) errors.push(`no more than ${L.actionsElements} items allowed [json-pointer:${p}/elements]`);
      b.elements?.forEach((e, j) => {
        if ((e.text?.text?.length ?? 0) > L.buttonText) errors.push(`must be less than ${L.buttonText + 1} characters [json-pointer:${p}/elements/${j}/text/text]`);
      });
    }
    if (b.type === 'context' && (b.elements?.length ?? 0) > L.contextElements) errors.push(`no more than ${L.contextElements} items allowed [json-pointer:${p}/elements]`);
  });
  return errors;
}
