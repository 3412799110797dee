/**
 * A fake transport for unit tests of timing logic (heartbeat, dead-link detection, backoff, timeouts) under
 * vi.useFakeTimers. The test plays the server: it opens the connection, sends handshake / heartbeat / data packets
 * and inspects what the client sent. Real sockets are covered by the integration tests.
 */
import {
  type ClientEvents,
  NanoClient,
  type NanoClientOptions,
  type Transport,
  type TransportFactory,
  type TransportHandlers,
} from '@nanokit/client';
import {
  decodePackets,
  encodeHandshakeResponse,
  encodePacket,
  type PacketType,
  PacketType as PT,
} from '@nanokit/protocol';
import { vi } from 'vitest';

export class FakeConnection implements Transport {
  readonly sent: Uint8Array[] = [];
  closed: { code: number; reason: string } | undefined;

  constructor(
    readonly url: string,
    private readonly handlers: TransportHandlers,
  ) {}

  send(data: Uint8Array): boolean {
    if (this.closed) return false;
    this.sent.push(data);
    return true;
  }

  close(code = 1000, reason = ''): void {
    if (this.closed) return;
    this.closed = { code, reason };
    this.handlers.onClose({ code, reason, wasClean: true });
  }

  /** Types of the packets the client sent, in order. */
  sentTypes(): PacketType[] {
    return this.sent.flatMap((bytes) => decodePackets(bytes).map((p) => p.type));
  }

  count(type: PacketType): number {
    return this.sentTypes().filter((t) => t === type).length;
  }

  open(): void {
    this.handlers.onOpen();
  }

  handshake(heartbeatSeconds: number, dict?: Record<string, number>): void {
    this.handlers.onMessage(
      encodePacket(PT.Handshake, encodeHandshakeResponse({ heartbeat: heartbeatSeconds, ...(dict ? { dict } : {}) })),
    );
  }

  heartbeat(): void {
    this.handlers.onMessage(encodePacket(PT.Heartbeat));
  }

  receive(bytes: Uint8Array): void {
    this.handlers.onMessage(bytes);
  }

  /** The server side drops the connection. */
  drop(code = 1006, reason = ''): void {
    if (this.closed) return;
    this.closed = { code, reason };
    this.handlers.onClose({ code, reason, wasClean: false });
  }
}

export function fakeTransport() {
  const connections: FakeConnection[] = [];
  const factory: TransportFactory = (options, handlers) => {
    const conn = new FakeConnection(options.url, handlers);
    connections.push(conn);
    return conn;
  };
  return {
    factory,
    connections,
    get last(): FakeConnection {
      const conn = connections[connections.length - 1];
      if (!conn) throw new Error('no connection yet');
      return conn;
    },
  };
}

/**
 * A client on a fake transport (use with `vi.useFakeTimers()`), recording its lifecycle events; `connect(hb)` runs
 * `connect()` with the fake opening and answering the handshake with a heartbeat of `hb` seconds.
 */
export function fakeClient(options: Partial<NanoClientOptions> = {}) {
  const ft = fakeTransport();
  const client = new NanoClient({ url: 'ws://fake', transport: ft.factory, env: { random: () => 0 }, ...options });
  const events: [string, unknown][] = [];
  for (const name of ['connect', 'disconnect', 'reconnecting', 'reconnect', 'kick', 'error'] as const) {
    client.on(name, (arg: ClientEvents[typeof name]) => events.push([name, arg]));
  }
  async function connect(hb = 1) {
    const p = client.connect();
    await vi.advanceTimersByTimeAsync(0);
    ft.last.open();
    ft.last.handshake(hb);
    return p;
  }
  return { ft, client, events, connect };
}

/** The host's timers, counting how many were started: for tests that a timer does not spin. */
export function countingEnv() {
  const counter = {
    armed: 0,
    env: {
      random: () => 0,
      setTimeout: (fn: () => void, ms: number): unknown => {
        counter.armed++;
        return setTimeout(fn, ms);
      },
      clearTimeout: (id: unknown) => clearTimeout(id as ReturnType<typeof setTimeout>),
    },
  };
  return counter;
}
