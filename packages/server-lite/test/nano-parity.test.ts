// Replays the client frames recorded against a real nano server (lonng/nano dbf22c7) against
// server-lite running a port of the recording's Room component, and compares every server packet byte for byte.
// Heartbeats are left out (timing), and `servertime` is the server's own start time. The one intended difference:
// nano answers an empty echo with an empty body, server-lite with `null`.
import { type Socket, connect as tcpConnect } from 'node:net';
import { decodeMessage, type Packet, PacketReader, PacketType } from '@nanokit/protocol';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { loadNanoRecording } from '../../protocol/test/fixtures/nano-recording.js';
import { Group, NanoServer, type Session } from '../src/index.js';
import { recordingLogger } from './raw-client.js';

const recording = loadNanoRecording();

/** The recording's server: `Room.Join`, `Room.Message`, `Room.Echo` (raw bytes), `Room.Big`. */
class Room {
  private readonly group = new Group('room');
  private nextUid = 1;
  Join(session: Session, body: unknown) {
    if (session.uid === undefined) session.bind(this.nextUid++);
    this.group.add(session);
    return { code: 0, uid: session.uid, echo: body };
  }
  Message(_session: Session, body: unknown) {
    this.group.broadcast('onMessage', body);
  }
  Echo(_session: Session, body: Uint8Array) {
    return body;
  }
  Big(_session: Session, body: { size?: number }) {
    const size = body?.size ?? 60000;
    return { code: 0, size, data: 'x'.repeat(size) };
  }
}

const DICT = { 'Room.Join': 1, 'Room.Message': 2, onMessage: 3, 'Room.Echo': 4 };
const SCENARIOS = [
  '02-request-response',
  '03-notify-push',
  '04-compressed-route',
  '09-big',
  '15-fragmentation-coalescing',
];

interface Conn {
  send(bytes: Buffer): void;
  close(): void;
  closed: Promise<void>;
  packets: Packet[];
  expected: Packet[];
}

function open(transport: 'ws' | 'tcp', port: number): Promise<Conn> {
  return new Promise((resolve, reject) => {
    const reader = new PacketReader({ maxBodyLength: 0xffffff });
    const packets: Packet[] = [];
    const take = (data: Buffer) => {
      for (const p of reader.push(new Uint8Array(data))) {
        if (p.type !== PacketType.Heartbeat) packets.push({ type: p.type, body: p.body.slice() });
      }
    };
    if (transport === 'ws') {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/nano`, { perMessageDeflate: false });
      const closed = new Promise<void>((r) => ws.on('close', () => r()));
      ws.on('message', take);
      ws.on('error', reject);
      ws.on('open', () => resolve({ send: (b) => ws.send(b), close: () => ws.close(), closed, packets, expected: [] }));
    } else {
      const socket: Socket = tcpConnect({ port, host: '127.0.0.1', noDelay: true });
      const closed = new Promise<void>((r) => socket.on('close', () => r()));
      socket.on('data', take);
      socket.on('error', reject);
      socket.on('connect', () =>
        resolve({ send: (b) => socket.write(b), close: () => socket.end(), closed, packets, expected: [] }),
      );
    }
  });
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('latin1');

describe.each(recording.scenarios.filter((s) => SCENARIOS.includes(s.scenario)))(
  'nano parity: $scenario over $transport',
  (scenario) => {
    it('sends the same packets as the real nano server', async () => {
      const server = new NanoServer({ heartbeat: 1000, dictionary: DICT, logger: recordingLogger() });
      server.register(new Room(), { raw: ['Echo'] });
      const { port } = await server.listen({
        port: 0,
        host: '127.0.0.1',
        path: '/nano',
        tcp: scenario.transport === 'tcp',
      });
      const conns = new Map<string, Conn>();
      try {
        for (const step of scenario.steps) {
          const name = step.conn ?? '';
          if (step.event !== undefined && /websocket open|tcp connected/.test(step.event)) {
            conns.set(name, await open(scenario.transport, port));
          } else if (step.event === 'client closes connection') {
            const conn = conns.get(name) as Conn;
            await until(() => conn.packets.length >= conn.expected.length, `${name}'s packets before closing`);
            conn.close();
            await conn.closed;
          } else if (step.dir === 'S>C' && step.hex !== undefined) {
            const conn = conns.get(name) as Conn;
            const reader = new PacketReader({ maxBodyLength: 0xffffff });
            for (const p of reader.push(Buffer.from(step.hex, 'hex'))) {
              if (p.type !== PacketType.Heartbeat) conn.expected.push(p);
            }
          } else if (step.dir === 'C>S' && step.hex !== undefined) {
            // Everything recorded so far must have arrived before the client's next frame, on every connection.
            for (const [other, c] of conns) {
              await until(() => c.packets.length >= c.expected.length, `${other}'s packets`);
            }
            conns.get(name)?.send(Buffer.from(step.hex, 'hex'));
          }
        }
        let compared = 0;
        for (const [name, conn] of conns) {
          await until(() => conn.packets.length >= conn.expected.length, `${name}'s last packets`);
          expect(conn.packets.length, `packets of ${name}`).toBe(conn.expected.length);
          conn.expected.forEach((want, i) => {
            const got = conn.packets[i] as Packet;
            expect(got.type).toBe(want.type);
            if (want.type === PacketType.Handshake) {
              const stamp = (s: string) => s.replace(/"servertime":\d+/, '"servertime":0');
              expect(stamp(text(got.body))).toBe(stamp(text(want.body)));
            } else if (want.body.length === 2 && want.body[0] === 0x04) {
              // nano's empty Response body: server-lite sends `null` instead.
              const m = decodeMessage(got.body);
              expect([m.type, m.id, text(m.body)]).toEqual([2, want.body[1], 'null']);
            } else {
              expect(text(got.body)).toBe(text(want.body));
            }
            compared++;
          });
        }
        expect(compared).toBeGreaterThan(2);
      } finally {
        for (const conn of conns.values()) conn.close();
        await server.close();
      }
    });
  },
);
