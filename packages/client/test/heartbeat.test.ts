// The client's heartbeat rule (docs/protocol.md, "Heartbeat") with fake timers and a fake transport: its own
// Heartbeat every interval whatever else it sends, echoes not echoed back, dead-link detection on any bytes, and the
// 100 ms floor for tiny server intervals. The live check against pinus is in test/pinus/pinus.test.ts.
import { decodeMessage, decodePackets, encodeDataPacket, MessageType, PacketType } from '@nanokit/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type FakeConnection, fakeClient as setup } from './fake-transport.js';

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

/** Answers every request the client sent since the last call (a server that is up and busy). */
function answerRequests(conn: FakeConnection, seen: { n: number }): void {
  const sent = conn.sent.slice(seen.n);
  seen.n = conn.sent.length;
  for (const bytes of sent) {
    for (const p of decodePackets(bytes)) {
      if (p.type !== PacketType.Data) continue;
      const msg = decodeMessage(p.body);
      if (msg.type === MessageType.Request) {
        conn.receive(encodeDataPacket({ type: MessageType.Response, id: msg.id, body: '{"code":200}' }));
      }
    }
  }
}

describe('heartbeat rule: our own Heartbeat every interval, whatever else was sent', () => {
  it('a client sending a request more often than the interval still sends a Heartbeat every interval', async () => {
    const { ft, client, connect } = setup({ heartbeat: { grace: 500 }, reconnect: false });
    await connect(1); // H = 1 s
    const seen = { n: 0 };
    // Four requests per interval for 10 intervals, each answered at once; the server never beats on its own.
    for (let i = 0; i < 40; i++) {
      client.request('Room.Ping', {}).catch(() => {});
      answerRequests(ft.last, seen);
      await vi.advanceTimersByTimeAsync(250);
    }
    // pinus and pomelo re-arm their 2 H timeout on Heartbeat packets only: one must go out every interval.
    expect(ft.last.count(PacketType.Heartbeat)).toBe(10);
    expect(client.state).toBe('open');
  });

  it('sends Heartbeats at exact intervals while notifies stream out and pushes stream in', async () => {
    const { ft, client, connect } = setup({ reconnect: false });
    await connect(2);
    const beatsAt: number[] = [];
    const start = Date.now();
    for (let i = 0; i < 60; i++) {
      client.notify('Room.Move', { i });
      const before = ft.last.count(PacketType.Heartbeat);
      await vi.advanceTimersByTimeAsync(100);
      if (ft.last.count(PacketType.Heartbeat) > before) beatsAt.push(Date.now() - start);
      ft.last.receive(new Uint8Array([4, 0, 0, 5, 0x06, 1, 0x61, 0x7b, 0x7d])); // pushes arrive all the time
    }
    expect(beatsAt).toEqual([2000, 4000, 6000]);
  });

  it('does not echo back the echo of its own Heartbeat (pinus, pomelo)', async () => {
    const { ft, connect } = setup({ reconnect: false });
    await connect(1);
    for (let i = 0; i < 10; i++) {
      const before = ft.last.count(PacketType.Heartbeat);
      await vi.advanceTimersByTimeAsync(1000);
      expect(ft.last.count(PacketType.Heartbeat)).toBe(before + 1);
      ft.last.heartbeat(); // the echo, right after our beat
    }
    expect(ft.last.count(PacketType.Heartbeat)).toBe(10);
  });

  it('answers a server that beats on its own (nano) with one Heartbeat per interval in all', async () => {
    const { ft, client, connect } = setup({ reconnect: false });
    await connect(1);
    await vi.advanceTimersByTimeAsync(400);
    for (let i = 0; i < 10; i++) {
      ft.last.heartbeat(); // nano's beat, 400 ms out of phase with ours
      await vi.advanceTimersByTimeAsync(1000);
    }
    expect(client.state).toBe('open');
    const beats = ft.last.count(PacketType.Heartbeat);
    expect(beats).toBeGreaterThanOrEqual(10);
    expect(beats).toBeLessThanOrEqual(11);
  });

  it('dead-link detection still counts any bytes received: pushes alone keep the link', async () => {
    const { ft, client, connect } = setup({ heartbeat: { grace: 500 }, reconnect: false });
    await connect(1);
    for (let i = 0; i < 10; i++) {
      await vi.advanceTimersByTimeAsync(2000);
      ft.last.receive(new Uint8Array([4, 0, 0, 5, 0x06, 1, 0x61, 0x7b, 0x7d])); // push "a" {}
    }
    expect(client.state).toBe('open');
    await vi.advanceTimersByTimeAsync(2500);
    expect(client.state).toBe('closed');
  });
});

describe('heartbeat: false', () => {
  it('answers server heartbeats, but not an echo of its own answer (pinus and pomelo echo every heartbeat)', async () => {
    const { ft, client, connect } = setup({ heartbeat: false, reconnect: false });
    await connect(1);
    ft.last.heartbeat(); // pinus: one right after the handshake ack
    expect(ft.last.count(PacketType.Heartbeat)).toBe(1);
    for (let i = 0; i < 100; i++) ft.last.heartbeat(); // pinus echoing the answer at once, again and again
    expect(ft.last.count(PacketType.Heartbeat)).toBe(1);
    await vi.advanceTimersByTimeAsync(500);
    ft.last.heartbeat(); // half an interval later: a beat of the server's own (nano)
    expect(ft.last.count(PacketType.Heartbeat)).toBe(2);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(ft.last.count(PacketType.Heartbeat)).toBe(2); // never one of its own
    expect(client.state).toBe('open'); // and no dead-link detection
  });
});

describe('server heartbeat intervals below 100 ms', () => {
  it('a server heartbeat below 100 ms is raised to 100 ms (no beat storm)', async () => {
    const { ft, client, connect } = setup({ heartbeat: { grace: 500 }, reconnect: false });
    const hs = await connect(0.01); // 10 ms
    expect(hs.heartbeat).toBe(0.01);
    for (let i = 0; i < 10; i++) {
      await vi.advanceTimersByTimeAsync(100);
      ft.last.heartbeat();
    }
    expect(client.state).toBe('open');
    expect(ft.last.count(PacketType.Heartbeat)).toBe(10);
  });

  it('a server heartbeat that rounds to 0 ms still detects a dead link (2 × 100 ms + grace)', async () => {
    const { ft, client, events, connect } = setup({ heartbeat: { grace: 500 }, reconnect: false });
    const hs = await connect(0.0004); // 0.4 ms: Math.round gives 0, which used to mean "no heartbeat"
    expect(hs.heartbeat).toBe(0.0004);
    await vi.advanceTimersByTimeAsync(699);
    expect(client.state).toBe('open');
    expect(ft.last.count(PacketType.Heartbeat)).toBeGreaterThanOrEqual(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(client.state).toBe('closed');
    expect(events).toContainEqual(['disconnect', { code: 4000, reason: 'heartbeat-timeout', willReconnect: false }]);
  });

  it('a server with no heartbeat (0) gets none, and no dead-link detection', async () => {
    const { ft, client, connect } = setup({ heartbeat: { grace: 500 }, reconnect: false });
    await connect(0);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(client.state).toBe('open');
    expect(ft.last.count(PacketType.Heartbeat)).toBe(0);
    expect(client.debugStats().timers).toBe(0);
  });
});
