/**
 * Specs that arrived as files (shared in a card's thread) rather than as a URL or a path. The diagnosis input names
 * them by a short key (`slack-file:F123/orders.yaml`) so reports and the database never carry the whole document;
 * the text stays here, in memory, for re-runs of that card.
 */
export class UploadedSpecs {
  readonly #texts = new Map<string, string>();

  constructor(private readonly max = 32) {}

  put(key: string, text: string): void {
    this.#texts.delete(key);
    this.#texts.set(key, text);
    // Oldest first out: only recent cards are re-run, and a spec can be tens of MB.
    while (this.#texts.size > this.max) this.#texts.delete(this.#texts.keys().next().value!);
  }

  get(key: string): string | undefined {
    return this.#texts.get(key);
  }
}

export const UPLOAD_PREFIX = 'slack-file:';

/** The probe services field that holds them. */
export interface UploadedSpecsService {
  uploadedSpecs?: UploadedSpecs;
  /** false where the requester is not the bot's operator (Slack): a spec that is a path is refused, never read. */
  localSpecFiles?: boolean;
}
