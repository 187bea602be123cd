import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export interface SocketAck {
  envelopeId: string;
  payload: Record<string, unknown>;
  ms: number;
}

/**
 * Slack's side of Socket Mode, as a real WebSocket server on 127.0.0.1: it greets the app with `hello`, delivers
 * envelopes (slash_commands, interactive, events_api) and waits for the app's ack, which carries the envelope id and
 * the response payload (an ephemeral reply to a command travels there, not in an HTTP body).
 */
export class FakeSocketMode {
  readonly #wss: WebSocketServer;
  readonly #waiting = new Map<string, { since: number; resolve: (a: SocketAck) => void }>();
  #socket: WebSocket | null = null;
  #connected: Promise<void>;
  connections = 0;

  private constructor(wss: WebSocketServer) {
    this.#wss = wss;
    this.#connected = new Promise((resolve) => {
      wss.on('connection', (ws) => {
        this.connections++;
        this.#socket = ws;
        ws.on('message', (data) => {
          const m = JSON.parse(String(data)) as { envelope_id?: string; payload?: Record<string, unknown> };
          const w = m.envelope_id ? this.#waiting.get(m.envelope_id) : undefined;
          if (!w) return;
          this.#waiting.delete(m.envelope_id!);
          w.resolve({ envelopeId: m.envelope_id!, payload: m.payload ?? {}, ms: performance.now() - w.since });
        });
        ws.send(JSON.stringify({ type: 'hello', num_connections: 1, debug_info: { host: 'fake-socket-mode', approximate_connection_time: 3600 }, connection_info: { app_id: 'A0APP' } }));
        resolve();
      });
    });
  }

  static async start(): Promise<FakeSocketMode> {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((r) => wss.once('listening', () => r()));
    return new FakeSocketMode(wss);
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.#wss.address() as AddressInfo).port}/link`;
  }

  /** Resolves once the app connected (and was greeted). */
  connected(): Promise<void> {
    return this.#connected;
  }

  /** Delivers one envelope and resolves with the app's ack (rejects after `timeoutMs`, as Slack gives up after 3 s). */
  deliver(type: 'slash_commands' | 'interactive' | 'events_api', payload: Record<string, unknown>, timeoutMs = 3000): Promise<SocketAck> {
    const envelopeId = randomUUID();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(envelopeId);
        reject(new Error(`no ack for ${type} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#waiting.set(envelopeId, { since: performance.now(), resolve: (a) => (clearTimeout(timer), resolve(a)) });
      this.#socket!.send(JSON.stringify({ envelope_id: envelopeId, type, payload, accepts_response_payload: type !== 'events_api' }));
    });
  }

  close(): Promise<void> {
    for (const c of this.#wss.clients) c.terminate();
    return new Promise((r) => this.#wss.close(() => r()));
  }
}
