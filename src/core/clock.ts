/**
 * Milliseconds from a monotonic clock, for durations only (the difference of two readings), like performance.now().
 * Why not performance.now(): the first touch of the global `performance` loads Node's whole perf_hooks (11 internal
 * modules, about 1 ms), which a one-shot CLI diagnosis pays on every run for nothing else; process.hrtime is already there.
 */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
