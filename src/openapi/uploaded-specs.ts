/** Where uploaded specs are kept beyond this process: the store (scoped to the workspace, with the retention). */
export interface UploadStore {
  putUpload(workspace: string, key: string, text: string): Promise<void>;
  getUpload(key: string): Promise<string | null>;
}

/**
 * Specs that arrived as files (shared in a card's thread) rather than as a URL or a path. The diagnosis input names
 * them by a short key (`slack-file:F123/orders.yaml`) so reports never carry the whole document. With a database the
 * text is stored, scoped to its workspace and deleted with the retention, so a re-run on another instance or after a
 * restart finds it; the recent ones are also kept in memory.
 */
export class UploadedSpecs {
  readonly #texts = new Map<string, string>();

  constructor(private readonly store?: UploadStore, private readonly max = 32) {}

  async put(workspace: string, key: string, text: string): Promise<void> {
    await this.store?.putUpload(workspace, key, text);
    this.#texts.delete(key);
    this.#texts.set(key, text);
    // Oldest first out: only recent cards are re-run, and a spec can be tens of MB.
    while (this.#texts.size > this.max) this.#texts.delete(this.#texts.keys().next().value!);
  }

  async get(key: string): Promise<string | undefined> {
    return this.#texts.get(key) ?? (await this.store?.getUpload(key)) ?? undefined;
  }
}

export const UPLOAD_PREFIX = 'slack-file:';

/** The probe services field that holds them. */
export interface UploadedSpecsService {
  uploadedSpecs?: UploadedSpecs;
  /** false where the requester is not the bot's operator (Slack): a spec that is a path is refused, never read. */
  localSpecFiles?: boolean;
}
