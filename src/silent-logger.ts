import type { Logger } from 'pino';

const noop = () => {};
/**
 * A logger that writes nothing, for the CLI (its stderr belongs to progress lines) and tests. Built without pino so that a
 * CLI run does not load pino and its stream workers just to discard every line (start-up is most of a quick run's time).
 * Any method pino has is a no-op here; child() returns the same silent logger.
 */
export const silentLogger: Logger = new Proxy({} as Logger, {
  get(_target, key) {
    if (key === 'level') return 'silent';
    if (key === 'child') return () => silentLogger;
    if (key === 'isLevelEnabled') return () => false;
    if (key === 'then') return undefined; // not a thenable
    return noop;
  },
});
