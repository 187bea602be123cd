/** Polls an asynchronous condition (a store query) until it holds, or fails saying what was awaited. */
export async function until<T>(find: () => Promise<T | undefined | null | false>, timeoutMs = 5000, what = 'the condition'): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await find();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
