// Unit tests of the client's timing logic with fake timers and a fake transport (./fake-transport.ts): heartbeats,
// dead-link detection, throttled/paused hosts, request and connect timeouts, reconnect backoff.
import { backoffDelay, ConnectionClosedError, NanoClient } from '@nanokit/client';
import { decodeMessage, decodePackets, encodeDataPacket, MessageType, PacketType } from '@nanokit/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { countingEnv, fakeTransport, fakeClient as setup } from './fake-transport.js';
import { expectNothingLeft } from './nothing-left.js';

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

const names = (events: [string, unknown][]) => events.map(([n]) => n);

describe('heartbeats', () => {
  it('answers server heartbeats and stays open while the server beats', async () => {
    const { ft, client, events, connect } = setup();
    await connect(1);
    expect(ft.last.sentTypes()).toEqual([PacketType.Handshake, PacketType.HandshakeAck]);
    for (let i = 0; i < 20; i++) {
      await vi.advanceTimersByTimeAsync(1000);
      ft.last.heartbeat();
    }
    expect(client.state).toBe('open');
    expect(names(events)).toEqual(['connect']);
    // One heartbeat per interval: answers replace our own beats.
    const beats = ft.last.count(PacketType.Heartbeat);
    expect(beats).toBeGreaterThanOrEqual(20);
    expect(beats).toBeLessThanOrEqual(21);
  });

  it('sends its own heartbeat every interval when it has sent nothing else', async () => {
    const { ft, connect } = setup();
    await connect(1);
    await vi.advanceTimersByTimeAsync(999);
    expect(ft.last.count(PacketType.Heartbeat)).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(ft.last.count(PacketType.Heartbeat)).toBe(1);
    ft.last.heartbeat(); // keep the link alive
    await vi.advanceTimersByTimeAsync(1000);
    expect(ft.last.count(PacketType.Heartbeat)).toBeGreaterThanOrEqual(2);
  });

  it('declares the link dead after 2 intervals + grace of silence (reason heartbeat-timeout)', async () => {
    const { ft, client, events, connect } = setup({ heartbeat: { grace: 500 }, reconnect: false });
    await connect(1);
    await vi.advanceTimersByTimeAsync(2499);
    expect(client.state).toBe('open');
    await vi.advanceTimersByTimeAsync(1);
    expect(client.state).toBe('closed');
    expect(events).toContainEqual(['disconnect', { code: 4000, reason: 'heartbeat-timeout', willReconnect: false }]);
    expect(ft.last.closed).toEqual({ code: 4000, reason: 'heartbeat-timeout' });
    expect(client.debugStats().timers).toBe(0);
  });

  it('every packet counts as life: data keeps a link without server heartbeats alive', async () => {
    const { ft, client, connect } = setup({ heartbeat: { grace: 500 } });
    await connect(1);
    for (let i = 0; i < 10; i++) {
      await vi.advanceTimersByTimeAsync(2000);
      ft.last.receive(new Uint8Array([4, 0, 0, 5, 0x06, 1, 0x61, 0x7b, 0x7d])); // push "a" {}
    }
    expect(client.state).toBe('open');
  });

  it('does not time out when the timer fires late (throttled tab, paused mini-game): it probes instead', async () => {
    const { ft, client, events, connect } = setup({ heartbeat: { grace: 500 }, reconnect: false });
    await connect(1);
    const beatsBefore = ft.last.count(PacketType.Heartbeat);
    // The wall clock jumps 60 s while no timer runs (the host was suspended).
    vi.setSystemTime(Date.now() + 60_000);
    await vi.advanceTimersByTimeAsync(1000);
    expect(client.state).toBe('open');
    expect(ft.last.count(PacketType.Heartbeat)).toBe(beatsBefore + 1); // the probe
    // The probe gives the server one interval + grace to show life; a silent server is then dead.
    await vi.advanceTimersByTimeAsync(1499);
    expect(client.state).toBe('open');
    await vi.advanceTimersByTimeAsync(1);
    expect(client.state).toBe('closed');
    expect(events).toContainEqual(['disconnect', { code: 4000, reason: 'heartbeat-timeout', willReconnect: false }]);
  });

  it('pause() stops judging but keeps beating; resume() probes at once and judges again', async () => {
    const { ft, client, connect } = setup({ heartbeat: { grace: 500 }, reconnect: false });
    await connect(1);
    client.pause();
    await vi.advanceTimersByTimeAsync(60_000); // a silent server, and timers still running (a hidden browser tab)
    expect(client.state).toBe('open');
    // Our own heartbeats go on (an echo-only server such as pomelo drops a client that stops): one per interval.
    expect(ft.last.count(PacketType.Heartbeat)).toBe(60);
    vi.setSystemTime(Date.now() + 600_000); // and a host that froze for 10 min (a paused mini-game)
    await vi.advanceTimersByTimeAsync(1000);
    expect(client.state).toBe('open');
    expect(client.debugStats().timers).toBe(1);
    const beats = ft.last.count(PacketType.Heartbeat);
    client.resume();
    expect(ft.last.count(PacketType.Heartbeat)).toBe(beats + 1);
    ft.last.heartbeat(); // the server is alive
    await vi.advanceTimersByTimeAsync(2000);
    expect(client.state).toBe('open');
    await vi.advanceTimersByTimeAsync(1000); // silent since the beat 2.5 s ago
    expect(client.state).toBe('closed');
  });

  it('a heartbeat the transport refuses still waits an interval for the next (no busy loop)', async () => {
    const timers = countingEnv();
    const { ft, client, connect } = setup({ env: timers.env, heartbeat: { grace: 2000 }, reconnect: false });
    await connect(10);
    ft.last.send = () => false; // a socket already closing, its close event not delivered yet
    timers.armed = 0;
    await vi.advanceTimersByTimeAsync(20_000);
    expect(timers.armed).toBeLessThanOrEqual(3); // a beat at 10 s, then the judgement at 22 s
    await vi.advanceTimersByTimeAsync(2000);
    expect(client.state).toBe('closed');
  });

  it('with heartbeat: false, answers server heartbeats but neither beats on its own nor times out', async () => {
    const { ft, client, connect } = setup({ heartbeat: false });
    await connect(1);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(client.state).toBe('open');
    expect(ft.last.count(PacketType.Heartbeat)).toBe(0);
    ft.last.heartbeat();
    expect(ft.last.count(PacketType.Heartbeat)).toBe(1);
  });
});

describe('timeouts', () => {
  it('times requests out after 10 s by default', async () => {
    const { client, connect } = setup({ heartbeat: false });
    await connect(1);
    let error: unknown;
    client.request('Room.Join', {}).catch((e: unknown) => (error = e));
    await vi.advanceTimersByTimeAsync(9999);
    expect(error).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(error).toMatchObject({ code: 'ERR_REQUEST_TIMEOUT', route: 'Room.Join', id: 1 });
    expect(client.debugStats()).toMatchObject({ pendingRequests: 0, timers: 0 });
  });

  it('times each request out at its own deadline, whatever order they were sent in (one shared timer)', async () => {
    const { client, connect } = setup({ heartbeat: false });
    await connect(1);
    const failed: [string, number][] = [];
    const track = (route: string) => () => failed.push([route, Date.now() - 1_000_000]);
    client.request('Slow', {}, { timeout: 5000 }).catch(track('Slow'));
    client.request('Fast', {}, { timeout: 1000 }).catch(track('Fast'));
    client.request('Never', {}, { timeout: 0 }).catch(track('Never'));
    client.request('Mid', {}, { timeout: 3000 }).catch(track('Mid'));
    expect(client.debugStats().timers).toBe(1);
    await vi.advanceTimersByTimeAsync(6000);
    expect(failed.map(([route]) => route)).toEqual(['Fast', 'Mid', 'Slow']);
    // Each failed at its deadline (the fake clock starts at 1_000_000).
    expect(failed.map(([, at]) => at)).toEqual([1000, 3000, 5000]);
    expect(client.debugStats()).toMatchObject({ pendingRequests: 1, timers: 0 });
    client.close();
    await vi.advanceTimersByTimeAsync(0);
    expect(failed.map(([route]) => route)).toEqual(['Fast', 'Mid', 'Slow', 'Never']);
  });

  it('after the host was suspended, answers that arrived meanwhile win over the overdue timeout', async () => {
    const { ft, client, connect } = setup({ heartbeat: false });
    await connect(1);
    let answered: unknown;
    let failed: unknown;
    client.request('Room.Join', {}, { timeout: 5000 }).then((v) => (answered = v));
    client.request('Room.Lost', {}, { timeout: 5000 }).catch((e: unknown) => (failed = e));
    await vi.advanceTimersByTimeAsync(4000);
    vi.setSystemTime(Date.now() + 60_000); // a paused mini-game: 60 s pass and no timer runs
    await vi.advanceTimersByTimeAsync(1000); // shown again: the overdue timer runs before the socket delivers
    expect(failed).toBeUndefined();
    ft.last.receive(encodeDataPacket({ type: MessageType.Response, id: 1, body: '{"ok":1}' }));
    await vi.advanceTimersByTimeAsync(0);
    expect(answered).toEqual({ ok: 1 });
    // The server had a minute to answer the other one: it fails 1 s later.
    await vi.advanceTimersByTimeAsync(999);
    expect(failed).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(failed).toMatchObject({ code: 'ERR_REQUEST_TIMEOUT', route: 'Room.Lost' });
  });

  it('gives the grace of a late timer once: with timers always late (a throttled tab) requests still time out', async () => {
    const env = {
      random: () => 0,
      // Chained timers run on the next full minute, as Chrome does in a tab hidden for over 5 minutes.
      setTimeout: (fn: () => void, ms: number) =>
        setTimeout(fn, Math.ceil((Date.now() + ms) / 60_000) * 60_000 - Date.now()),
      clearTimeout: (id: unknown) => clearTimeout(id as ReturnType<typeof setTimeout>),
    };
    const { client, connect } = setup({ env, heartbeat: false });
    await connect(1);
    let failed: unknown;
    client.request('Room.Join', {}, { timeout: 5000 }).catch((e: unknown) => (failed = e));
    await vi.advanceTimersByTimeAsync(3 * 60_000);
    expect(failed).toMatchObject({ code: 'ERR_REQUEST_TIMEOUT' });
  });

  it('treats a connectTimeout of 2^31 ms or more (Infinity too) as none, not as 1 ms', async () => {
    for (const connectTimeout of [2 ** 31, Infinity]) {
      const { ft, client } = setup({ connectTimeout });
      const connected = client.connect();
      await vi.advanceTimersByTimeAsync(20);
      ft.last.open();
      ft.last.handshake(1);
      await expect(connected).resolves.toMatchObject({ heartbeatMs: 1000 });
      client.close();
    }
  });

  it('does not spin on a server heartbeat of 2^31 ms or more', async () => {
    const timers = countingEnv();
    const { client, connect } = setup({ env: timers.env });
    await connect(2_200_000); // seconds: 2.2e9 ms
    timers.armed = 0;
    await vi.advanceTimersByTimeAsync(500);
    expect(timers.armed).toBe(0);
    expect(client.state).toBe('open');
  });

  it('gives up a connection that does not complete the handshake in connectTimeout', async () => {
    const { ft, client } = setup({ connectTimeout: 3000 });
    let error: unknown;
    client.connect().catch((e: unknown) => (error = e));
    await vi.advanceTimersByTimeAsync(0);
    ft.last.open(); // opened, but the server never answers the handshake
    await vi.advanceTimersByTimeAsync(3000);
    expect(error).toMatchObject({ code: 'ERR_CONNECT_TIMEOUT', closeCode: 4001, reason: 'connect-timeout' });
    expect(error).toBeInstanceOf(ConnectionClosedError);
    expect(ft.last.closed).toEqual({ code: 4001, reason: 'connect-timeout' });
    expect(client.state).toBe('closed');
    expect(client.debugStats().timers).toBe(0);
  });
});

describe('maxInFlight: requests beyond it wait in the client', () => {
  /** Ids of the Request messages the client has sent so far. */
  const sentIds = (ft: ReturnType<typeof fakeTransport>) =>
    ft.last.sent
      .flatMap((bytes) => decodePackets(bytes))
      .filter((p) => p.type === PacketType.Data)
      .map((p) => decodeMessage(p.body).id);
  const answer = (ft: ReturnType<typeof fakeTransport>, id: number) =>
    ft.last.receive(encodeDataPacket({ type: MessageType.Response, id, body: `{"id":${id}}` }));

  it('sends at most maxInFlight; the others go out oldest first as answers come back', async () => {
    const { ft, client, connect } = setup({ heartbeat: false, maxInFlight: 2 });
    await connect(1);
    const results = [1, 2, 3, 4].map(() => client.request('Room.Get', {}));
    expect(sentIds(ft)).toEqual([1, 2]);
    answer(ft, 2);
    expect(sentIds(ft)).toEqual([1, 2, 3]);
    answer(ft, 1);
    answer(ft, 3);
    expect(sentIds(ft)).toEqual([1, 2, 3, 4]);
    answer(ft, 4);
    expect(await Promise.all(results)).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }, { id: 4 }]);
    expectNothingLeftButTheLink(client);
  });

  it('a request made by an error listener while held requests go out waits behind them', async () => {
    // The send of a held request fails; the `error` listener aborts two requests in flight (freeing their slots
    // inside that flush) and makes a new one: it goes out after the older held one, not before.
    const { ft, client, connect } = setup({ heartbeat: false, maxInFlight: 3 });
    await connect(1);
    const shared = new AbortController();
    const all = [
      client.request('A', {}, { signal: shared.signal }),
      client.request('B', {}, { signal: shared.signal }),
      client.request('C', {}),
      client.request('D', {}),
      client.request('E', {}),
    ];
    for (const p of all) p.catch(() => {});
    const send = ft.last.send.bind(ft.last);
    ft.last.send = (data) => {
      const [packet] = decodePackets(data);
      if (packet?.type === PacketType.Data && decodeMessage(packet.body).route === 'D') throw new Error('hiccup');
      return send(data);
    };
    let late: Promise<unknown> | undefined;
    client.on('error', () => {
      shared.abort('stop');
      late = client.request('F', {});
      late.catch(() => {});
    });
    answer(ft, 3);
    expect(sentIds(ft)).toEqual([1, 2, 3, 5, 6]);
    expect(late).toBeDefined();
    client.close();
  });

  it('a held request times out from request() and an aborted one is never sent; both free nothing', async () => {
    const { ft, client, connect } = setup({ heartbeat: false, maxInFlight: 1 });
    await connect(1);
    const first = client.request('A', {});
    const errors: unknown[] = [];
    client.request('B', {}, { timeout: 1000 }).catch((e: unknown) => errors.push(e));
    const abort = new AbortController();
    client.request('C', {}, { signal: abort.signal }).catch((e: unknown) => errors.push(e));
    abort.abort();
    await vi.advanceTimersByTimeAsync(1000);
    expect(errors).toMatchObject([
      { code: 'ERR_ABORTED', route: 'C' },
      { code: 'ERR_REQUEST_TIMEOUT', route: 'B' },
    ]);
    expect(sentIds(ft)).toEqual([1]);
    const fourth = client.request('D', {});
    expect(sentIds(ft)).toEqual([1]); // A is still in flight
    answer(ft, 1);
    expect(sentIds(ft)).toEqual([1, 4]);
    answer(ft, 4);
    expect(await first).toEqual({ id: 1 });
    expect(await fourth).toEqual({ id: 4 });
    expectNothingLeftButTheLink(client);
  });

  it('held requests reject with ConnectionClosedError when the connection drops, and are never sent later', async () => {
    const { ft, client, connect } = setup({ heartbeat: false, maxInFlight: 1, reconnect: { initialDelay: 10 } });
    await connect(1);
    const settled = Promise.allSettled([client.request('A', {}), client.request('B', {})]);
    ft.last.drop();
    expect((await settled).map((r) => r.status === 'rejected' && (r.reason as { code: string }).code)).toEqual([
      'ERR_CONNECTION_CLOSED',
      'ERR_CONNECTION_CLOSED',
    ]);
    await vi.advanceTimersByTimeAsync(10);
    ft.last.open();
    ft.last.handshake(1);
    await vi.advanceTimersByTimeAsync(0);
    expect(client.state).toBe('open');
    expect(sentIds(ft)).toEqual([]); // nothing replayed on the new connection
    const after = client.request('C', {});
    expect(sentIds(ft)).toEqual([3]);
    answer(ft, 3);
    expect(await after).toEqual({ id: 3 });
    client.close();
    expectNothingLeft(client);
  });

  it('never sends a held request that was aborted or expired before its slot came (one signal, many requests)', async () => {
    const { ft, client, connect } = setup({ heartbeat: false, maxInFlight: 2 });
    await connect(1);
    const abort = new AbortController();
    const codes: string[] = [];
    for (const route of ['Buy1', 'Buy2', 'Buy3', 'Buy4']) {
      client.request(route, {}, { signal: abort.signal }).catch((e: { code: string }) => codes.push(e.code));
    }
    abort.abort(); // Buy1's listener frees a slot before Buy3's listener has run
    await vi.advanceTimersByTimeAsync(0);
    expect(codes).toEqual(['ERR_ABORTED', 'ERR_ABORTED', 'ERR_ABORTED', 'ERR_ABORTED']);
    expect(sentIds(ft)).toEqual([1, 2]);

    // A slow server: every request times out at once, and the held ones must not go out in a burst as slots free.
    for (let i = 0; i < 40; i++) client.request('Slow', {}, { timeout: 5000 }).catch(() => {});
    expect(sentIds(ft)).toHaveLength(4);
    await vi.advanceTimersByTimeAsync(5000);
    expect(sentIds(ft)).toHaveLength(4);
    expectNothingLeftButTheLink(client);
  });

  it('defaults to 8; 0 and Infinity send every request at once', async () => {
    const capped = setup({ heartbeat: false });
    await capped.connect(1);
    for (let i = 0; i < 20; i++) capped.client.request('R', {}).catch(() => {});
    expect(sentIds(capped.ft)).toHaveLength(8);
    capped.client.close();
    for (const maxInFlight of [0, Infinity]) {
      const unbounded = setup({ heartbeat: false, maxInFlight });
      await unbounded.connect(1);
      for (let i = 0; i < 20; i++) unbounded.client.request('R', {}).catch(() => {});
      expect(sentIds(unbounded.ft)).toHaveLength(20);
      unbounded.client.close();
    }
  });
});

/** The link is still open: nothing pending, queued or listening, and no timer but the request sweep. */
function expectNothingLeftButTheLink(client: NanoClient): void {
  expect(client.debugStats()).toMatchObject({ pendingRequests: 0, signalListeners: 0, queuedNotifies: 0 });
}

describe('reconnect backoff', () => {
  it('grows exponentially, is capped at 30 s and jittered', () => {
    const delays = Array.from({ length: 8 }, (_, i) => backoffDelay(i + 1, {}, () => 0));
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
    expect(backoffDelay(2, {}, () => 0.999999)).toBe(1000); // up to half taken off by the default jitter 0.5
    expect(backoffDelay(3, { jitter: 0 }, () => 0.7)).toBe(4000);
    expect(backoffDelay(30, { initialDelay: 100, maxDelay: 5000, factor: 3 }, () => 0)).toBe(5000);
  });

  it('retries with backoff after a drop, stops after maxAttempts with an error, leaves nothing behind', async () => {
    const { ft, client, events, connect } = setup({ heartbeat: false, reconnect: { maxAttempts: 3 } });
    await connect(1);
    ft.last.drop();
    expect(client.state).toBe('reconnecting');
    for (const delay of [1000, 2000, 4000]) {
      await vi.advanceTimersByTimeAsync(delay);
      ft.last.drop(1006, 'refused'); // the attempt fails
      await vi.advanceTimersByTimeAsync(0);
    }
    expect(events.filter(([n]) => n === 'reconnecting').map(([, e]) => e)).toEqual([
      { attempt: 1, delay: 1000 },
      { attempt: 2, delay: 2000 },
      { attempt: 3, delay: 4000 },
    ]);
    expect(ft.connections.length).toBe(4);
    expect(client.state).toBe('closed');
    expect(events.at(-1)).toEqual(['error', expect.objectContaining({ reason: 'reconnect-failed' })]);
    expectNothingLeft(client);
  });

  it('reconnects, runs onReconnect, and resets the attempt counter as soon as a reconnect succeeds', async () => {
    const hook = vi.fn();
    const { ft, client, events, connect } = setup({ heartbeat: false, onReconnect: hook });
    await connect(1);
    ft.last.drop();
    await vi.advanceTimersByTimeAsync(1000);
    ft.last.drop(); // attempt 1 fails
    await vi.advanceTimersByTimeAsync(2000); // attempt 2
    ft.last.open();
    ft.last.handshake(1);
    await vi.advanceTimersByTimeAsync(0);
    expect(client.state).toBe('open');
    expect(hook).toHaveBeenCalledTimes(1);
    // Attempt 1 failing is an error event (why it failed).
    expect(names(events)).toEqual([
      'connect',
      'disconnect',
      'reconnecting',
      'error',
      'reconnecting',
      'connect',
      'reconnect',
    ]);
    // Dropped again at once (a server restarting twice): the counter starts over (attempt 1, 1 s), it does not
    // continue at attempt 3 (4 s).
    ft.last.drop();
    expect(events.at(-1)).toEqual(['reconnecting', { attempt: 1, delay: 1000 }]);
    client.close();
    expect(client.debugStats().timers).toBe(0);
  });

  it('a failing onReconnect closes that connection and tries again', async () => {
    let calls = 0;
    const { ft, client, events, connect } = setup({
      heartbeat: false,
      onReconnect: () => {
        calls++;
        if (calls === 1) throw new Error('login refused');
      },
    });
    await connect(1);
    ft.last.drop();
    await vi.advanceTimersByTimeAsync(1000);
    ft.last.open();
    ft.last.handshake(1);
    await vi.advanceTimersByTimeAsync(0);
    expect(ft.last.closed).toEqual({ code: 4004, reason: 'reconnect-hook-failed' });
    expect(events).toContainEqual([
      'error',
      expect.objectContaining({
        code: 'ERR_CONNECTION_CLOSED',
        closeCode: 4004,
        reason: 'reconnect-hook-failed',
        cause: expect.objectContaining({ message: 'login refused' }),
      }),
    ]);
    await vi.advanceTimersByTimeAsync(2000);
    ft.last.open();
    ft.last.handshake(1);
    await vi.advanceTimersByTimeAsync(0);
    expect(client.state).toBe('open');
    expect(calls).toBe(2);
    client.close();
  });

  it('never reconnects when reconnect is false, and close() during a backoff delay stops everything', async () => {
    const off = setup({ heartbeat: false, reconnect: false });
    await off.connect(1);
    off.ft.last.drop();
    expect(off.client.state).toBe('closed');
    expect(off.events.at(-1)).toEqual(['disconnect', { code: 1006, reason: '', willReconnect: false }]);

    const on = setup({ heartbeat: false });
    await on.connect(1);
    on.ft.last.drop();
    expect(on.client.state).toBe('reconnecting');
    on.client.close();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(on.ft.connections.length).toBe(1);
    expect(on.client.debugStats().timers).toBe(0);
  });
});

describe('framing', () => {
  it('handles several packets in one message, and closes the connection on bad framing (4002)', async () => {
    const { ft, client, events, connect } = setup({ heartbeat: false, reconnect: false });
    await connect(1);
    const bodies: unknown[] = [];
    client.on('onTick', (b) => bodies.push(b));
    // Two pushes "onTick" 1 and 2 in one message.
    const push = (n: number) => [4, 0, 0, 9, 0x06, 6, ...Buffer.from('onTick'), 0x30 + n];
    ft.last.receive(Uint8Array.from([...push(1), ...push(2)]));
    expect(bodies).toEqual([1, 2]);
    ft.last.receive(Uint8Array.from([...push(3), 9, 0, 0, 0])); // packet type 9 does not exist
    expect(bodies).toEqual([1, 2, 3]);
    expect(client.state).toBe('closed');
    expect(events).toContainEqual(['error', expect.objectContaining({ code: 'ERR_UNKNOWN_PACKET_TYPE' })]);
    expect(events).toContainEqual(['disconnect', { code: 4002, reason: 'protocol-error', willReconnect: false }]);
  });

  it('says where framing broke, and that a transport handed over something that is not bytes', async () => {
    const { ft, events, connect } = setup({ heartbeat: false, reconnect: false });
    await connect(1);
    ft.last.receive(Uint8Array.from([3, 0, 0, 0, 4, 0, 0, 5, 1])); // a Heartbeat, then a Data packet cut short
    expect(events).toContainEqual([
      'error',
      expect.objectContaining({ code: 'ERR_TRUNCATED_PACKET', message: expect.stringContaining('body at 8') }),
    ]);
    const other = setup({ heartbeat: false, reconnect: false });
    await other.connect(1);
    other.ft.last.receive(new ArrayBuffer(4) as unknown as Uint8Array); // a broken custom transport
    expect(other.events).toContainEqual([
      'error',
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT', message: expect.stringContaining('not a Uint8Array') }),
    ]);
    expect(other.client.state).toBe('closed');
  });
});

describe('connect edge cases', () => {
  it('works with a transport that opens before the factory returns', async () => {
    const ft = fakeTransport();
    const client = new NanoClient({
      url: 'ws://fake',
      heartbeat: false,
      transport: (options, handlers) => {
        const conn = ft.factory(options, handlers);
        handlers.onOpen(); // synchronous open
        return conn;
      },
    });
    const connected = client.connect();
    await vi.advanceTimersByTimeAsync(0);
    expect(ft.last.sentTypes()).toEqual([PacketType.Handshake]);
    ft.last.handshake(1);
    await expect(connected).resolves.toMatchObject({ heartbeat: 1 });
    client.close();
    expect(client.handshake).toBeUndefined();
  });

  it('rejects connect() when a Kick arrives together with the handshake reply', async () => {
    const { ft, client, events } = setup({ heartbeat: false });
    const connected = client.connect();
    await vi.advanceTimersByTimeAsync(0);
    ft.last.open();
    ft.last.handshake(1);
    ft.last.receive(Uint8Array.from([5, 0, 0, 0])); // Kick with no body (pitaya)
    await expect(connected).rejects.toMatchObject({ code: 'ERR_CONNECTION_CLOSED', closeCode: 4003, reason: 'kick' });
    expect(client.state).toBe('closed');
    expect(events).toContainEqual(['kick', {}]);
    expect(client.debugStats().timers).toBe(0);
  });
});

describe('responses and kicks from odd servers', () => {
  const response = (id: number, body: number[]) => Uint8Array.from([4, 0, 0, 2 + body.length, 0x04, id, ...body]);

  it('ignores duplicate and unknown responses, resolves an empty body as undefined, rejects bad JSON', async () => {
    const { ft, client, events, connect } = setup({ heartbeat: false });
    await connect(1);
    const first = client.request('A.B');
    ft.last.receive(response(1, [0x7b, 0x7d]));
    ft.last.receive(response(1, [0x7b, 0x7d])); // duplicate: the old JS client threw a TypeError here
    ft.last.receive(response(9, [0x7b, 0x7d])); // nobody asked
    await expect(first).resolves.toEqual({});
    const empty = client.request('A.B');
    ft.last.receive(response(2, []));
    await expect(empty).resolves.toBeUndefined();
    const bad = client.request('A.B');
    ft.last.receive(response(3, [0x7b]));
    await expect(bad).rejects.toMatchObject({ code: 'ERR_INVALID_PAYLOAD' });
    expect(client.state).toBe('open');
    expect(names(events)).toEqual(['connect']);
  });

  it('accepts a Kick whose body is not JSON (no reason) and does not reconnect', async () => {
    const { ft, client, events, connect } = setup({ heartbeat: false });
    await connect(1);
    ft.last.receive(Uint8Array.from([5, 0, 0, 3, 0x62, 0x79, 0x65])); // "bye"
    expect(events).toContainEqual(['kick', {}]);
    expect(events).toContainEqual(['disconnect', { code: 4003, reason: 'kick', willReconnect: false }]);
    expect(client.state).toBe('closed');
  });
});

describe('connect() while reconnecting', () => {
  it('from a disconnect listener (willReconnect: true), tries at once instead of waiting out the backoff', async () => {
    const { ft, client, connect, events } = setup({ heartbeat: false, reconnect: { initialDelay: 60_000 } });
    await connect(1);
    let again: Promise<unknown> | undefined;
    client.once('disconnect', () => {
      again = client.connect();
    });
    ft.last.drop();
    await vi.advanceTimersByTimeAsync(0);
    expect(ft.connections.length).toBe(2);
    expect(events.map(([name]) => name)).toEqual(['connect', 'disconnect']); // no backoff was scheduled
    ft.last.open();
    ft.last.handshake(1);
    await again;
    expect(client.state).toBe('open');
    client.close();
    expectNothingLeft(client);
  });

  it('retries at once and resolves with the new handshake; close() rejects waiting callers', async () => {
    const { ft, client, connect } = setup({ heartbeat: false, reconnect: { initialDelay: 60_000 } });
    await connect(1);
    ft.last.drop();
    expect(client.state).toBe('reconnecting');
    const again = client.connect();
    await vi.advanceTimersByTimeAsync(0); // no 60 s wait
    expect(ft.connections.length).toBe(2);
    ft.last.open();
    ft.last.handshake(2);
    await expect(again).resolves.toMatchObject({ heartbeat: 2 });
    expect(client.state).toBe('open');

    ft.last.drop();
    await vi.advanceTimersByTimeAsync(0);
    const waiting = client.connect();
    client.close();
    await expect(waiting).rejects.toMatchObject({ code: 'ERR_CONNECTION_CLOSED', reason: 'client-close' });
    expect(client.debugStats().timers).toBe(0);
  });
});
