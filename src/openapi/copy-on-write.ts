import { tokens } from './pointer.js';

/**
 * A copy-on-write view of the document: `set` copies only the containers on the way down, so the input's
 * objects (and so its responses) are never changed, and `dirty` lists the in-place edits to write back.
 */
export class Cow {
  readonly root: Record<string, unknown>;
  readonly dirty = new Set<string>();
  readonly #owned = new WeakSet<object>();

  constructor(api: Record<string, unknown>) {
    this.root = { ...api };
    this.#owned.add(this.root);
  }

  set(pointer: string, value: unknown, inPlace: boolean): void {
    const t = tokens(pointer);
    let cur: Record<string, unknown> = this.root;
    for (const k of t.slice(0, -1)) {
      let next = cur[k] as Record<string, unknown>;
      if (!this.#owned.has(next)) {
        next = (Array.isArray(next) ? [...next] : { ...next }) as Record<string, unknown>;
        this.#owned.add(next);
        setOwn(cur, k, next);
      }
      cur = next;
    }
    const key = t.at(-1)!;
    setOwn(cur, key, value);
    if (inPlace) this.dirty.add(pointer);
  }
}

/**
 * `obj[key] = value`, except that a key named `__proto__` becomes an own property, as JSON.parse and js-yaml make it
 * (assigning it would set the object's prototype and the key would vanish from the output).
 */
export function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, configurable: true, writable: true });
  else obj[key] = value;
}
