/**
 * Block Kit as Slack validates it, written from Slack's reference pages (docs.slack.dev/reference/block-kit: blocks,
 * block elements, composition objects, surfaces), not from what our renderers send. Each error is worded as Slack
 * words its `invalid_blocks` / `invalid_arguments` messages: "<what> [json-pointer:/blocks/0/text/text]".
 *
 * Scope: the blocks and elements a bot message or modal can carry. A type Slack does not know is refused, as Slack does
 * ("unsupported type"). Limits are Slack's documented maxima; where the docs say "minimum 1" an empty string is refused.
 */

export type Surface = 'message' | 'modal';

/** The documented limits, one place, so a test can quote each. */
export const BLOCK_KIT = {
  blocksPerMessage: 50,
  blocksPerModal: 100,
  blockId: 255,
  actionId: 255,
  sectionText: 3000,
  sectionFields: 10,
  sectionFieldText: 2000,
  headerText: 150,
  contextElements: 10,
  actionsElements: 25,
  buttonText: 75,
  buttonValue: 2000,
  buttonUrl: 3000,
  accessibilityLabel: 75,
  optionText: 75,
  optionValue: 150,
  optionDescription: 75,
  selectOptions: 100,
  placeholder: 150,
  inputLabel: 2000,
  inputHint: 2000,
  textInputMaxLength: 3000,
  imageUrl: 3000,
  altText: 2000,
  markdownBlockText: 12_000,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  modalTitle: 24,
  modalButton: 24,
  privateMetadata: 3000,
  callbackId: 255,
  externalId: 255,
  /**
   * chat.postMessage: longer `text` is truncated, with a `message_truncated` warning, not refused
   * (api.slack.com/changelog/2018-04-truncating-really-long-messages: "we'll truncate the text ... and include a
   * warning"); chat.postEphemeral documents msg_too_long for it.
   */
  messageText: 40_000,
  /** chat.update: "The text field cannot exceed 4,000 characters" (docs.slack.dev/reference/methods/chat.update, msg_too_long). */
  updateText: 4000,
  /**
   * The text of all of a message's blocks together: past it Slack answers `msg_blocks_too_long` (chat.postMessage's
   * errors: "Blocks submitted with this message are too long"). Slack documents no number. Evidence: a Slack engineer,
   * "12,000 text characters with a buffer for block containers" (slackapi/bolt-js#2509, where 13,297 characters of
   * markdown blocks passed); 11,341 characters of `text` properties in rich_text/section/header blocks were refused
   * (slackapi/bolt-js#2867). The fake refuses past 11,000, under the lowest refusal seen, so what passes here passes there.
   */
  messageBlockText: 11_000,
  /** views.*: "view_too_large: The view is larger than 250kb" (views.open/views.update/views.push reference). */
  viewBytes: 250_000,
  /** views.push: "After a modal is opened, you can push up to two additional views" — a stack of 3 (push_limit_reached). */
  viewStack: 3,
} as const;

/** Characters of text in blocks as Slack's whole-message budget counts them: every `text` string, at any depth. */
export function messageBlockText(blocks: unknown): number {
  let n = 0;
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (isObj(v)) for (const [k, x] of Object.entries(v)) k === 'text' && typeof x === 'string' ? (n += x.length) : walk(x);
  };
  walk(blocks);
  return n;
}

const LONE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Strings Slack cannot take: a lone UTF-16 surrogate (half of an emoji cut in two) is not a character and cannot be
 * encoded as UTF-8, the encoding of Slack's API ("UTF-8 encoded", docs.slack.dev/apis/web-api); returns json-pointers.
 */
export function loneSurrogates(v: unknown, p = ''): string[] {
  if (typeof v === 'string') return !LONE.test(v) ? [] : [`must be well-formed UTF-8 text (a lone surrogate) [json-pointer:${p || '/'}]`];
  if (Array.isArray(v)) return v.flatMap((x, i) => loneSurrogates(x, `${p}/${i}`));
  if (isObj(v)) return Object.entries(v).flatMap(([k, x]) => loneSurrogates(x, `${p}/${k}`));
  return [];
}

type O = Record<string, unknown>;
const isObj = (v: unknown): v is O => typeof v === 'object' && v !== null && !Array.isArray(v);
const len = (v: unknown) => (typeof v === 'string' ? [...v].length : 0);

class Walk {
  errors: string[] = [];
  actionIds = new Set<string>();
  blockIds = new Set<string>();
  constructor(readonly surface: Surface) {}

  err(msg: string, p: string) {
    this.errors.push(`${msg} [json-pointer:${p}]`);
  }

  maxLen(v: unknown, max: number, p: string) {
    if (len(v) > max) this.err(`must be less than ${max + 1} characters`, p);
  }

  /** A text object: type plain_text or mrkdwn (or only plain_text where Slack says so), non-empty text within max. */
  text(t: unknown, p: string, max: number, only?: 'plain_text') {
    if (!isObj(t)) return this.err('must be an object', p);
    if (t['type'] !== 'plain_text' && t['type'] !== 'mrkdwn') return this.err('must be one of "plain_text", "mrkdwn"', `${p}/type`);
    if (only && t['type'] !== only) this.err(`must be a ${only} text object`, `${p}/type`);
    if (typeof t['text'] !== 'string') return this.err('must be a string', `${p}/text`);
    if (len(t['text']) < 1) this.err('must be more than 0 characters', `${p}/text`);
    this.maxLen(t['text'], max, `${p}/text`);
    if (t['type'] === 'mrkdwn' && 'emoji' in t) this.err('emoji is only allowed on plain_text', `${p}/emoji`);
    if (t['type'] === 'plain_text' && 'verbatim' in t) this.err('verbatim is only allowed on mrkdwn', `${p}/verbatim`);
  }

  actionId(e: O, p: string) {
    const id = e['action_id'];
    if (id === undefined) return;
    if (typeof id !== 'string' || !id) return this.err('must be a non-empty string', `${p}/action_id`);
    this.maxLen(id, BLOCK_KIT.actionId, `${p}/action_id`);
    // Slack's element pages: an action_id "should be unique among all other action_ids in the containing block";
    // a repeat is refused ("action_id already exists"). Modals rely on the scope being the block: state.values is
    // keyed by block_id, then action_id.
    if (this.actionIds.has(id)) this.err(`action_id already exists: ${id}`, `${p}/action_id`);
    this.actionIds.add(id);
  }

  confirm(c: unknown, p: string) {
    if (c === undefined) return;
    if (!isObj(c)) return this.err('must be an object', p);
    this.text(c['title'], `${p}/title`, BLOCK_KIT.confirmTitle, 'plain_text');
    this.text(c['text'], `${p}/text`, BLOCK_KIT.confirmText);
    this.text(c['confirm'], `${p}/confirm`, BLOCK_KIT.confirmButton, 'plain_text');
    this.text(c['deny'], `${p}/deny`, BLOCK_KIT.confirmButton, 'plain_text');
  }

  option(o: unknown, p: string) {
    if (!isObj(o)) return this.err('must be an object', p);
    this.text(o['text'], `${p}/text`, BLOCK_KIT.optionText, 'plain_text');
    if (typeof o['value'] !== 'string' || !o['value']) this.err('must be a non-empty string', `${p}/value`);
    this.maxLen(o['value'], BLOCK_KIT.optionValue, `${p}/value`);
    if (o['description'] !== undefined) this.text(o['description'], `${p}/description`, BLOCK_KIT.optionDescription, 'plain_text');
  }

  element(e: unknown, p: string, where: 'actions' | 'section' | 'input' | 'context') {
    if (!isObj(e)) return this.err('must be an object', p);
    const type = e['type'];
    if (where === 'context') {
      if (type === 'image') return this.image(e, p);
      return this.text(e, p, BLOCK_KIT.sectionText);
    }
    switch (type) {
      case 'button':
        this.actionId(e, p);
        this.text(e['text'], `${p}/text`, BLOCK_KIT.buttonText, 'plain_text');
        this.maxLen(e['value'], BLOCK_KIT.buttonValue, `${p}/value`);
        this.maxLen(e['url'], BLOCK_KIT.buttonUrl, `${p}/url`);
        this.maxLen(e['accessibility_label'], BLOCK_KIT.accessibilityLabel, `${p}/accessibility_label`);
        if (e['style'] !== undefined && e['style'] !== 'primary' && e['style'] !== 'danger') this.err('must be one of "primary", "danger"', `${p}/style`);
        this.confirm(e['confirm'], `${p}/confirm`);
        return;
      case 'static_select':
      case 'radio_buttons':
      case 'checkboxes':
      case 'overflow': {
        this.actionId(e, p);
        const opts = e['options'];
        if (!Array.isArray(opts) || opts.length < 1) return this.err('must provide at least 1 option', `${p}/options`);
        const max = type === 'overflow' ? 5 : type === 'checkboxes' || type === 'radio_buttons' ? 10 : BLOCK_KIT.selectOptions;
        if (opts.length > max) this.err(`no more than ${max} items allowed`, `${p}/options`);
        opts.forEach((o, i) => this.option(o, `${p}/options/${i}`));
        if (e['initial_option'] !== undefined) {
          this.option(e['initial_option'], `${p}/initial_option`);
          // Slack's select/radio pages: initial_option "must exactly match one of the options within options".
          const io = JSON.stringify(e['initial_option']);
          if (!opts.some((o) => JSON.stringify(o) === io)) this.err('must exactly match one of the options', `${p}/initial_option`);
        }
        if (e['placeholder'] !== undefined) this.text(e['placeholder'], `${p}/placeholder`, BLOCK_KIT.placeholder, 'plain_text');
        return;
      }
      case 'plain_text_input':
        // Slack's plain-text input page: "Works with block types: Input" (not actions blocks, not a section accessory).
        if (where !== 'input') return this.err('unsupported type: plain_text_input is only allowed in input blocks', `${p}/type`);
        this.actionId(e, p);
        if (e['placeholder'] !== undefined) this.text(e['placeholder'], `${p}/placeholder`, BLOCK_KIT.placeholder, 'plain_text');
        if (typeof e['max_length'] === 'number' && e['max_length'] > BLOCK_KIT.textInputMaxLength) this.err(`must be less than ${BLOCK_KIT.textInputMaxLength + 1}`, `${p}/max_length`);
        this.maxLen(e['initial_value'], BLOCK_KIT.textInputMaxLength, `${p}/initial_value`);
        return;
      case 'url_text_input':
      case 'email_text_input':
      case 'number_input':
      case 'datepicker':
      case 'timepicker':
      case 'users_select':
      case 'conversations_select':
      case 'channels_select':
      case 'file_input':
        this.actionId(e, p);
        if (e['placeholder'] !== undefined) this.text(e['placeholder'], `${p}/placeholder`, BLOCK_KIT.placeholder, 'plain_text');
        return;
      case 'image':
        if (where === 'section') return this.image(e, p);
        return this.err('unsupported type: image', `${p}/type`);
      default:
        return this.err(`unsupported type: ${String(type)}`, `${p}/type`);
    }
  }

  image(e: O, p: string) {
    const hasUrl = typeof e['image_url'] === 'string' && e['image_url'];
    if (!hasUrl && !isObj(e['slack_file'])) this.err('must provide image_url or slack_file', p);
    this.maxLen(e['image_url'], BLOCK_KIT.imageUrl, `${p}/image_url`);
    if (typeof e['alt_text'] !== 'string' || !e['alt_text']) this.err('must be a non-empty string', `${p}/alt_text`);
    this.maxLen(e['alt_text'], BLOCK_KIT.altText, `${p}/alt_text`);
  }

  block(b: unknown, p: string) {
    if (!isObj(b)) return this.err('must be an object', p);
    this.actionIds = new Set();
    const id = b['block_id'];
    if (id !== undefined) {
      if (typeof id !== 'string' || !id) this.err('must be a non-empty string', `${p}/block_id`);
      this.maxLen(id, BLOCK_KIT.blockId, `${p}/block_id`);
      if (typeof id === 'string' && this.blockIds.has(id)) this.err(`block_id already exists: ${id}`, `${p}/block_id`);
      if (typeof id === 'string') this.blockIds.add(id);
    }
    switch (b['type']) {
      case 'section': {
        if (b['text'] === undefined && b['fields'] === undefined) this.err('must provide text or fields', p);
        if (b['text'] !== undefined) this.text(b['text'], `${p}/text`, BLOCK_KIT.sectionText);
        if (b['fields'] !== undefined) {
          const f = b['fields'];
          if (!Array.isArray(f) || f.length < 1) this.err('must provide at least 1 item', `${p}/fields`);
          else {
            if (f.length > BLOCK_KIT.sectionFields) this.err(`no more than ${BLOCK_KIT.sectionFields} items allowed`, `${p}/fields`);
            f.forEach((x, i) => this.text(x, `${p}/fields/${i}`, BLOCK_KIT.sectionFieldText));
          }
        }
        if (b['accessory'] !== undefined) this.element(b['accessory'], `${p}/accessory`, 'section');
        return;
      }
      case 'header':
        return this.text(b['text'], `${p}/text`, BLOCK_KIT.headerText, 'plain_text');
      case 'divider':
        return;
      case 'context': {
        const els = b['elements'];
        if (!Array.isArray(els) || els.length < 1) return this.err('must provide at least 1 item', `${p}/elements`);
        if (els.length > BLOCK_KIT.contextElements) this.err(`no more than ${BLOCK_KIT.contextElements} items allowed`, `${p}/elements`);
        els.forEach((e, i) => this.element(e, `${p}/elements/${i}`, 'context'));
        return;
      }
      case 'actions': {
        const els = b['elements'];
        if (!Array.isArray(els) || els.length < 1) return this.err('must provide at least 1 item', `${p}/elements`);
        if (els.length > BLOCK_KIT.actionsElements) this.err(`no more than ${BLOCK_KIT.actionsElements} items allowed`, `${p}/elements`);
        els.forEach((e, i) => this.element(e, `${p}/elements/${i}`, 'actions'));
        return;
      }
      case 'input':
        this.text(b['label'], `${p}/label`, BLOCK_KIT.inputLabel, 'plain_text');
        if (b['hint'] !== undefined) this.text(b['hint'], `${p}/hint`, BLOCK_KIT.inputHint, 'plain_text');
        if (!isObj(b['element'])) return this.err('must provide an element', `${p}/element`);
        return this.element(b['element'], `${p}/element`, 'input');
      case 'image':
        this.image(b, p);
        if (b['title'] !== undefined) this.text(b['title'], `${p}/title`, 2000, 'plain_text');
        return;
      case 'markdown':
        if (typeof b['text'] !== 'string' || !b['text']) return this.err('must be a non-empty string', `${p}/text`);
        return this.maxLen(b['text'], BLOCK_KIT.markdownBlockText, `${p}/text`);
      case 'rich_text':
        if (!Array.isArray(b['elements'])) this.err('must be an array', `${p}/elements`);
        return;
      default:
        return this.err(`unsupported type: ${String(b['type'])}`, `${p}/type`);
    }
  }
}

/** The errors Slack answers with for a `blocks` array on a surface (each with its json-pointer); [] when valid. */
export function blockErrors(blocks: unknown, surfaceOrMax: Surface | number = 'message', base = '/blocks'): string[] {
  if (blocks === undefined) return [];
  const surface: Surface = typeof surfaceOrMax === 'number' ? (surfaceOrMax > BLOCK_KIT.blocksPerMessage ? 'modal' : 'message') : surfaceOrMax;
  const max = surface === 'modal' ? BLOCK_KIT.blocksPerModal : BLOCK_KIT.blocksPerMessage;
  if (!Array.isArray(blocks)) return [`must be an array [json-pointer:${base}]`];
  const w = new Walk(surface);
  if (blocks.length > max) w.err(`no more than ${max} items allowed`, base);
  blocks.forEach((b, i) => w.block(b, `${base}/${i}`));
  return w.errors;
}

/** A modal view's own fields (title, buttons, metadata) and its blocks, as views.open/update/push check them. */
export function viewErrors(view: unknown): string[] {
  if (!isObj(view)) return ['must be an object [json-pointer:/view]'];
  const w = new Walk('modal');
  if (view['type'] !== 'modal') w.err('must be "modal"', '/view/type');
  w.text(view['title'], '/view/title', BLOCK_KIT.modalTitle, 'plain_text');
  if (view['submit'] !== undefined) w.text(view['submit'], '/view/submit', BLOCK_KIT.modalButton, 'plain_text');
  if (view['close'] !== undefined) w.text(view['close'], '/view/close', BLOCK_KIT.modalButton, 'plain_text');
  w.maxLen(view['private_metadata'], BLOCK_KIT.privateMetadata, '/view/private_metadata');
  w.maxLen(view['callback_id'], BLOCK_KIT.callbackId, '/view/callback_id');
  w.maxLen(view['external_id'], BLOCK_KIT.externalId, '/view/external_id');
  const blocks = view['blocks'];
  // Slack: a modal with input blocks needs a submit button.
  if (Array.isArray(blocks) && blocks.some((b) => isObj(b) && b['type'] === 'input') && view['submit'] === undefined) w.err('must provide submit when the view has input blocks', '/view/submit');
  return [...w.errors, ...blockErrors(blocks ?? [], 'modal', '/view/blocks')];
}

/**
 * A view submission's ack with `response_action: "errors"` (Slack's "Displaying errors in views"): `errors` maps the
 * block_id of an input block of the submitted view to the message shown under it. Slack refuses any other key (a
 * block that is not an input, or is not in the view: the user then sees only Slack's generic "trouble connecting").
 */
export function viewAckErrors(ack: Record<string, unknown>, view: Record<string, unknown>): string[] {
  if (ack['response_action'] !== 'errors') return [];
  const errors = ack['errors'];
  if (!isObj(errors) || Object.keys(errors).length === 0) return ['errors must be an object of at least one entry [json-pointer:/errors]'];
  const blocks = Array.isArray(view['blocks']) ? (view['blocks'] as unknown[]) : [];
  const inputs = new Set(blocks.filter((b) => isObj(b) && b['type'] === 'input').map((b) => (b as Record<string, unknown>)['block_id']));
  return Object.entries(errors).flatMap(([key, message]) => [
    ...(inputs.has(key) ? [] : [`"${key}" is not the block_id of an input block of the view [json-pointer:/errors/${key}]`]),
    ...(typeof message === 'string' && message.length > 0 ? [] : [`must be a non-empty string [json-pointer:/errors/${key}]`]),
  ]);
}
