/**
 * Ports on 127.0.0.1 for the lab's servers. Programs we start (nginx, HAProxy) need a port number before they bind,
 * and a port that was "just free" can be handed to another listen(0) meanwhile (ours or a test running beside us), so
 * whoever uses freePort() checks that its own program got it, and retries otherwise.
 */
import net from 'node:net';

/** A port that was free a moment ago, in the ephemeral range. */
export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/**
 * A port where nothing listens, so connecting is refused like a firewall's REJECT. Taken below 1024 on purpose:
 * listen(0) never hands those out, so no server started after us can take it over.
 */
export async function closedPort(): Promise<number> {
  for (let port = 1; port < 1024; port++) {
    const refused = await new Promise<boolean>((resolve) => {
      const sock = net.connect({ host: '127.0.0.1', port });
      sock.once('connect', () => (sock.destroy(), resolve(false)));
      sock.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ECONNREFUSED'));
    });
    if (refused) return port;
  }
  throw new Error('lab: every port below 1024 on 127.0.0.1 answers; there is no closed port to point at');
}

/** Waits until something accepts TCP on the port (bounded). */
export async function waitForPort(port: number, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}
