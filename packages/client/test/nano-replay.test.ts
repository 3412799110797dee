/**
 * The real NanoClient against frames recorded from a real nano server (lonng/nano dbf22c7, JSON serializer,
 * heartbeat 1 s, dict {"Room.Join":1,"Room.Message":2,"onMessage":3,"Room.Echo":4}), replayed over a
 * real `ws` socket on 127.0.0.1. The fixture is the protocol package's copy of shared/vectors/nano-real-server.json.
 *
 * The replay peer is strict: it walks the recorded client→server (C>S) frames of one connection in order. When the
 * client's next WebSocket message equals the next recorded C>S frame byte for byte, the peer sends the server→client
 * (S>C) frames that followed it in the recording, byte for byte, at their recorded delays (and drops the socket where
 * nano did). Anything else is kept unanswered in `unexpected` (nano answers nothing it cannot handle), except extra
 * heartbeats, which nano takes silently and which are only counted. So a client that puts other bytes on the wire
 * gets no answer, and its assertions fail.
 */
import { type ClientEvents, NanoClient, type NanoClientOptions, RequestTimeoutError } from '@nanokit/client';
import { jsonSerializer, type Serializer } from '@nanokit/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { type WebSocket, WebSocketServer } from 'ws';
import { loadNanoRecording, type RecordedScenario } from '../../protocol/test/fixtures/nano-recording.js';
import { expectNothingLeft } from './nothing-left.js';

const recording = loadNanoRecording();

/** Every test stays well under 3 s (the slowest replays nano's 1 s heartbeat once). */
const BOUNDED = { timeout: 3000 };

// --- bytes ---------------------------------------------------------------------------------------------------------

const fromHex = (hex: string): Uint8Array => new Uint8Array(Buffer.from(hex, 'hex'));
const toHex = (bytes: Uint8Array): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
const utf8 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'utf8'));
const HEARTBEAT = '03000000';

function writeVarint(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    out.push(byte);
  } while (n > 0);
  return out;
}

/** `[value, offset after it]` of the base-128 varint at `offset`. */
function readVarint(bytes: Uint8Array, offset: number): [number, number] {
  let value = 0;
  let scale = 1;
  for (;;) {
    const byte = bytes[offset++] as number;
    value += (byte & 0x7f) * scale;
    scale *= 128;
    if (byte < 0x80) return [value, offset];
  }
}

/** A Data packet (type 4, 3-byte big-endian length) around a hand-edited message. */
function dataPacket(message: ArrayLike<number>): Uint8Array {
  const n = message.length;
  return Uint8Array.from([4, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff, ...Array.from(message)]);
}

/** Message type of a recorded Data frame (flag bits 1–3): 0 Request, 1 Notify, 2 Response, 3 Push. */
const messageType = (frame: Uint8Array): number => ((frame[4] as number) >> 1) & 7;

/**
 * A recorded Request or Response frame with its message id replaced (and the packet length fixed); every other byte
 * is the recorded one. Other frames are returned as they are.
 */
function renumber(frame: Uint8Array, ids: Record<number, number>): Uint8Array {
  if (frame[0] !== 4 || (messageType(frame) !== 0 && messageType(frame) !== 2)) return frame;
  const [id, end] = readVarint(frame, 5);
  const to = ids[id];
  if (to === undefined) return frame;
  return dataPacket([frame[4] as number, ...writeVarint(to), ...frame.subarray(end)]);
}

/**
 * A recorded Request or Notify frame whose route was sent as a string (`len route`), rewritten to the compressed form
 * (flag bit 0 set, 2-byte big-endian code from the recorded handshake dictionary) that nano accepted in scenario 04.
 * Id and body bytes stay the recorded ones.
 */
function compressRoute(frame: Uint8Array, dict: Record<string, number>): Uint8Array {
  const flag = frame[4] as number;
  if (frame[0] !== 4 || flag & 1 || messageType(frame) > 1) return frame;
  const routeAt = messageType(frame) === 0 ? readVarint(frame, 5)[1] : 5;
  const length = frame[routeAt] as number;
  const code = dict[Buffer.from(frame.subarray(routeAt + 1, routeAt + 1 + length)).toString('utf8')];
  if (code === undefined) return frame;
  return dataPacket([
    flag | 1,
    ...frame.subarray(5, routeAt),
    code >> 8,
    code & 0xff,
    ...frame.subarray(routeAt + 1 + length),
  ]);
}

// --- the recording -------------------------------------------------------------------------------------------------

/** What the peer does after a client frame: send a recorded S>C frame, or drop the socket, `at` ms after it. */
interface Action {
  at: number;
  send?: Uint8Array;
  drop?: true;
}
/** One recorded C>S frame and what nano did after it, up to the next C>S frame. */
interface Exchange {
  expect: Uint8Array;
  /** Accepts other bytes than `expect` for this frame (only used for the handshake request, which nano ignores). */
  accept?: (frame: Uint8Array) => boolean;
  replies: Action[];
}

function scenario(name: string): RecordedScenario {
  const found = recording.scenarios.find((s) => s.scenario === name && s.transport === 'ws');
  if (!found) throw new Error(`no ws scenario ${name} in the recording`);
  return found;
}

/** The recorded frames of connection `conn` of a ws scenario, as exchanges. */
function exchanges(name: string, conn = 'A'): Exchange[] {
  const out: Exchange[] = [];
  let last: { exchange: Exchange; t: number } | undefined;
  for (const step of scenario(name).steps) {
    if (step.conn !== conn) continue;
    if (step.dir === 'C>S' && step.hex) {
      last = { exchange: { expect: fromHex(step.hex), replies: [] }, t: step.t as number };
      out.push(last.exchange);
    } else if (step.dir === 'S>C' && step.hex) {
      if (!last) throw new Error(`${name}: server frame before any client frame`);
      last.exchange.replies.push({ at: (step.t as number) - last.t, send: fromHex(step.hex) });
    } else if (step.event && /websocket close code=1006/.test(step.event) && last) {
      // nano closed the socket without a close frame (session.Close(), heartbeat timeout).
      last.exchange.replies.push({ at: (step.t as number) - last.t, drop: true });
    }
  }
  return out;
}

/** The exchanges with every recorded frame passed through `edit` (C>S and S>C alike). */
function edited(list: Exchange[], edit: (frame: Uint8Array, dir: 'C>S' | 'S>C') => Uint8Array): Exchange[] {
  return list.map(({ expect, replies }) => ({
    expect: edit(expect, 'C>S'),
    replies: replies.map((a) => (a.send ? { ...a, send: edit(a.send, 'S>C') } : a)),
  }));
}

/** The dictionary as nano's recorded handshake reply of a scenario announces it (read from the bytes). */
function recordedDict(list: Exchange[]): Record<string, number> {
  const reply = list[0]?.replies[0]?.send as Uint8Array;
  return (JSON.parse(Buffer.from(reply.subarray(4)).toString('utf8')) as { sys: { dict: Record<string, number> } }).sys
    .dict;
}

// --- the replay peer -----------------------------------------------------------------------------------------------

class ReplayPeer {
  /** Every message the client sent, in order. */
  readonly received: Uint8Array[] = [];
  /** Client messages the recording has no answer for (left unanswered), and any text message. */
  readonly unexpected: Uint8Array[] = [];
  /** Client heartbeats beyond the recorded ones (nano takes them silently). */
  extraHeartbeats = 0;
  url = '';
  private position = 0;
  private socket: WebSocket | undefined;
  private wss: WebSocketServer | undefined;
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private readonly checks: (() => boolean)[] = [];

  private constructor(
    private readonly script: Exchange[],
    private readonly timing: 'recorded' | 'immediate',
  ) {}

  static async start(script: Exchange[], timing: 'recorded' | 'immediate' = 'recorded'): Promise<ReplayPeer> {
    const peer = new ReplayPeer(script, timing);
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve, reject) => {
      wss.once('listening', resolve);
      wss.once('error', reject);
    });
    peer.wss = wss;
    peer.url = `ws://127.0.0.1:${(wss.address() as { port: number }).port}/nano`;
    wss.on('connection', (ws) => {
      if (peer.socket) {
        ws.terminate(); // one client connection per replay
        return;
      }
      peer.socket = ws;
      ws.on('message', (data: Buffer, isBinary: boolean) => peer.receive(new Uint8Array(data), isBinary));
    });
    return peer;
  }

  /** Recorded client frames not sent yet. */
  get remaining(): number {
    return this.script.length - this.position;
  }

  /** Sends more bytes as nano would (one packet per binary message). */
  send(bytes: Uint8Array): void {
    this.socket?.send(bytes);
  }

  /** Resolves once `condition` holds (checked now and after every client message). */
  until(condition: () => boolean): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (!condition()) return false;
        resolve();
        return true;
      };
      if (!check()) this.checks.push(check);
    });
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.socket?.terminate();
    const wss = this.wss;
    this.wss = undefined;
    if (wss) await new Promise<void>((resolve) => wss.close(() => resolve()));
  }

  private receive(bytes: Uint8Array, isBinary: boolean): void {
    this.received.push(bytes);
    const next = this.script[this.position];
    if (isBinary && next && (toHex(bytes) === toHex(next.expect) || next.accept?.(bytes))) {
      this.position++;
      for (const action of next.replies) this.schedule(action);
    } else if (isBinary && toHex(bytes) === HEARTBEAT) {
      this.extraHeartbeats++;
    } else {
      this.unexpected.push(bytes);
    }
    for (let i = this.checks.length - 1; i >= 0; i--) if (this.checks[i]?.()) this.checks.splice(i, 1);
  }

  private schedule(action: Action): void {
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        if (action.send) this.socket?.send(action.send);
        // terminate(): the TCP connection is destroyed without a close frame, as nano does (close code 1006).
        if (action.drop) this.socket?.terminate();
      },
      this.timing === 'recorded' ? Math.max(0, action.at) : 0,
    );
    this.timers.add(timer);
  }
}

// --- harness -------------------------------------------------------------------------------------------------------

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

async function replay(script: Exchange[], timing?: 'recorded' | 'immediate'): Promise<ReplayPeer> {
  const peer = await ReplayPeer.start(script, timing);
  cleanups.push(() => peer.close());
  return peer;
}

function client(options: NanoClientOptions): NanoClient {
  // A short request timeout: a frame the replay does not recognise fails the test quickly.
  // handshake.user {}: the recording's client (pomelo js-websocket style) sent "user":{}, NanoClient omits `user`
  // unless given one; with it the handshake request is byte-identical to the recorded one.
  const c = new NanoClient({ requestTimeout: 1000, reconnect: false, handshake: { user: {} }, ...options });
  cleanups.push(() => c.close());
  return c;
}

function next<E extends keyof ClientEvents>(c: NanoClient, event: E): Promise<ClientEvents[E]> {
  return new Promise((resolve) => c.once(event, resolve));
}

const NANO_DICT = { 'Room.Echo': 4, 'Room.Join': 1, 'Room.Message': 2, onMessage: 3 };

// --- tests ---------------------------------------------------------------------------------------------------------

describe('NanoClient against frames recorded from a real nano server', () => {
  it(
    'handshake (01): resolves with nano’s heartbeat and dictionary; sends the recorded handshake, ack and heartbeat',
    BOUNDED,
    async () => {
      const script = exchanges('01-handshake');
      expect(script.map((e) => toHex(e.expect))).toEqual([
        expect.stringMatching(/^0100003b/), // handshake request
        '02000000', // ack
        HEARTBEAT, // heartbeat after nano's, 1 s later
      ]);
      const peer = await replay(script);
      const c = client({ url: peer.url });
      const hs = await c.connect();
      expect(hs).toMatchObject({ code: 200, heartbeat: 1, heartbeatMs: 1000, dict: NANO_DICT, servertime: 1795541431 });
      expect(hs.dictionary.code('Room.Join')).toBe(1);
      expect(hs.dictionary.route(3)).toBe('onMessage');
      // nano's heartbeat comes 1 s after the ack, when the client's own 1 s heartbeat is due too: either way exactly
      // the recorded 03 00 00 00 goes back, and nano's session stays alive.
      await peer.until(() => peer.remaining === 0);
      expect(peer.received.map(toHex)).toEqual(script.map((e) => toHex(e.expect)));
      expect(peer.unexpected).toEqual([]);
      expect(c.state).toBe('open');
    },
  );

  it('handshake (01): answers every recorded server heartbeat with 03 00 00 00', BOUNDED, async () => {
    // nano ignores the client's handshake JSON: here any Handshake packet gets nano's reply, so the client's
    // default handshake (no `user`) is used; its bytes are checked below.
    const [hello, ...rest] = exchanges('01-handshake');
    const script = [{ ...(hello as Exchange), accept: (frame: Uint8Array) => frame[0] === 1 }, ...rest];
    const peer = await replay(script, 'immediate');
    // heartbeat: false: the client sends no heartbeat of its own, so every heartbeat on the wire is an answer.
    const c = client({ url: peer.url, heartbeat: false, handshake: {} });
    expect((await c.connect()).heartbeat).toBe(1);
    expect(Buffer.from((peer.received[0] as Uint8Array).subarray(4)).toString('utf8')).toBe(
      '{"sys":{"type":"js-websocket","version":"0.0.1"}}',
    );
    // The recorded server heartbeat follows the ack at once here; the recorded answer must come back.
    await peer.until(() => peer.remaining === 0);
    const serverHeartbeat = scenario('01-handshake').steps.find((s) => s.dir === 'S>C' && s.hex === HEARTBEAT);
    expect(serverHeartbeat).toBeDefined();
    for (let i = 1; i <= 2; i++) {
      // nano beats once per interval (1 s here); the client answers at most one server heartbeat per half interval
      // (pinus and pomelo echo each answer at once, which must not be answered again).
      await new Promise((r) => setTimeout(r, 500));
      peer.send(fromHex(serverHeartbeat?.hex as string));
      await peer.until(() => peer.extraHeartbeats === i);
    }
    expect(peer.received.map(toHex).slice(1)).toEqual(['02000000', HEARTBEAT, HEARTBEAT, HEARTBEAT]);
    expect(peer.unexpected).toEqual([]);
  });

  it(
    'compressed routes (04): recorded request, notify and push bytes; responses decode to the recorded JSON',
    BOUNDED,
    async () => {
      const script = exchanges('04-compressed-route');
      const peer = await replay(script);
      const c = client({ url: peer.url });
      await c.connect();
      await play04(c, peer);
      // Every client frame is the recorded one, byte for byte: handshake, ack, Join by code 1 id 1
      // (04000014 01 01 0001 {"name":"carol"}), Echo by code 4 id 2, notify by code 2 (03 0002), Room.Big by string id 3.
      expect(peer.received.map(toHex)).toEqual(script.map((e) => toHex(e.expect)));
      expect(toHex(peer.received[2] as Uint8Array)).toBe('04000014010100017b226e616d65223a226361726f6c227d');
      expect(toHex(peer.received[4] as Uint8Array)).toBe('040000150300027b2274657874223a22627920636f6465227d');
      expect(peer.unexpected).toEqual([]);
    },
  );

  it('requests (02): JSON and UTF-8 bodies, multi-byte ids, empty and non-JSON bodies', BOUNDED, async () => {
    const recorded = exchanges('02-request-response');
    const dict = recordedDict(recorded);
    expect(dict).toEqual(NANO_DICT);
    // Two differences from the recording's client, both applied to the recorded bytes by hand (id and route fields
    // only; flags, body bytes and the S>C frames are otherwise nano's):
    // - ids: the client numbers requests 1, 2, 3…; the recording used 1, 2, 300, 16384, 5, 6, 7. Ids 300 and 16384
    //   are rewritten to 3 and 4 in the request and in nano's response. Ids 1, 2, 5, 6, 7 are compared unchanged.
    // - routes: the recording's client sent Room.Join / Room.Echo as strings; NanoClient compresses every route the
    //   handshake dictionary holds (nano's holds both), so the expected request carries the 2-byte code instead
    //   (the form nano accepted in scenario 04).
    const ids = { 300: 3, 16384: 4 };
    const script = edited(recorded, (frame, dir) => renumber(dir === 'C>S' ? compressRoute(frame, dict) : frame, ids));
    // nano's Room.Echo echoes raw bytes: send a Uint8Array body as it is, everything else as JSON (decoding is JSON).
    const serializer: Serializer = {
      name: 'json-or-bytes',
      encode: (route, value, type) => (value instanceof Uint8Array ? value : jsonSerializer.encode(route, value, type)),
      decode: (route, bytes, type) => jsonSerializer.decode(route, bytes, type),
    };
    const peer = await replay(script);
    const c = client({ url: peer.url, serializer });
    await c.connect();

    expect(await c.request('Room.Join', { name: 'alice', n: 1 })).toEqual({
      code: 0,
      uid: 1,
      echo: { name: 'alice', n: 1 },
    });
    const utf = { k: 'v', arr: [1, 2, 3], u: 'héllo ✓' };
    expect(await c.request('Room.Echo', utf)).toEqual(utf);
    expect(await c.request('Room.Echo', { id: 300 })).toEqual({ id: 300 });
    expect(await c.request('Room.Echo', { id: 16384 })).toEqual({ id: 16384 });
    // nano's empty response body (04 05) decodes to undefined.
    expect(await c.request('Room.Echo', new Uint8Array(0))).toBeUndefined();
    // nano echoes non-JSON bytes; the JSON serializer rejects that request with ERR_INVALID_PAYLOAD.
    await expect(c.request('Room.Echo', utf8('plain text, not json'))).rejects.toMatchObject({
      code: 'ERR_INVALID_PAYLOAD',
    });
    expect(await c.request('Room.Join', 'not an object')).toEqual({ code: 0, uid: 1, echo: 'not an object' });

    expect(peer.received.map(toHex)).toEqual(script.map((e) => toHex(e.expect)));
    // The frames with the recorded ids differ from the recording only by the compressed route: e.g. id 2, Room.Echo
    // with "héllo ✓" (68 c3 a9 6c 6c 6f 20 e2 9c 93), 04000034 00 02 09 "Room.Echo" … → 0400002c 01 02 0004 ….
    const echo = recorded[3]?.expect as Uint8Array;
    expect(toHex(echo)).toContain('2268c3a96c6c6f20e29c9322');
    expect(toHex(peer.received[3] as Uint8Array)).toBe('0400002c' + '01' + '02' + '0004' + toHex(echo.subarray(16)));
    // id 5, empty body: recorded 0400000c 00 05 09 "Room.Echo" → 04000004 01 05 0004.
    expect(toHex(peer.received[6] as Uint8Array)).toBe('04000004' + '01' + '05' + '0004');
    expect(peer.unexpected).toEqual([]);
  });

  it(
    'big responses (09): nano’s 60 035- and 70 035-byte responses decode; a 65 528-byte request is echoed',
    BOUNDED,
    async () => {
      const recorded = exchanges('09-big');
      // Room.Echo is in nano's dictionary: NanoClient sends it by code 4 where the recording's client sent the string
      // (see the 02 test), so that request's route field is compressed by hand; everything else is the recording.
      const script = edited(recorded, (frame, dir) =>
        dir === 'C>S' ? compressRoute(frame, recordedDict(recorded)) : frame,
      );
      const sizes = script.flatMap((e) => e.replies.map((a) => a.send?.length));
      expect(sizes).toContain(70_035 + 4); // over 64 KiB: nano sends it anyway
      const peer = await replay(script);
      const c = client({ url: peer.url });
      await c.connect();
      const first = (await c.request('Room.Big', {})) as { code: number; size: number; data: string };
      expect(first).toMatchObject({ code: 0, size: 60_000 });
      expect(first.data).toBe('x'.repeat(60_000));
      const big = (await c.request('Room.Big', { size: 70_000 })) as { code: number; size: number; data: string };
      expect(big).toMatchObject({ code: 0, size: 70_000 });
      expect(big.data).toBe('x'.repeat(70_000));
      // The recording's 65 536-byte request body (nano's inclusive limit) holds a 65 524-byte JSON string; by code
      // the packet body is 65 528 bytes. nano's 65 526-byte echo decodes back to the string.
      const a = 'a'.repeat(65_536 - 1 - 1 - 1 - 'Room.Echo'.length - 2);
      expect(await c.request('Room.Echo', a)).toBe(a);
      expect(peer.received[4]?.length).toBe(4 + 65_528);
      expect(peer.received.map((b) => b.length)).toEqual(script.map((e) => e.expect.length));
      expect(peer.received.map(toHex)).toEqual(script.map((e) => toHex(e.expect)));
      expect(peer.unexpected).toEqual([]);
      expect(c.state).toBe('open');
    },
  );

  it(
    'kick (08, conn B): onKick arrives as a push, then the socket drops with 1006 and no Kick packet',
    BOUNDED,
    async () => {
      const script = exchanges('08-kick', 'B');
      expect(script.at(-1)?.replies.map((a) => (a.drop ? 'drop' : toHex(a.send as Uint8Array)))).toEqual([
        '0400001b06066f6e4b69636b7b22726561736f6e223a226b69636b6d65227d', // push "onKick" (route as a string)
        'drop', // ~300 ms later, no close frame
      ]);
      const peer = await replay(script);
      // Default reconnect with a long first delay: willReconnect is what the client decides; close() ends it.
      const c = client({ url: peer.url, reconnect: { initialDelay: 60_000 } });
      await c.connect();
      const order: string[] = [];
      const kicked: unknown[] = [];
      c.on('kick', (k) => kicked.push(k));
      c.on('push', ({ route }) => order.push(`push ${route}`));
      const onKick = new Promise((resolve) => c.on('onKick', resolve));
      const disconnected = next(c, 'disconnect').then((d) => {
        order.push('disconnect');
        return d;
      });
      c.notify('Room.Kickme', { delayMs: 300 });
      expect(await onKick).toEqual({ reason: 'kickme' });
      // nano sends no Kick packet, so the client cannot know it was kicked: an abnormal close, and it would reconnect.
      expect(await disconnected).toEqual({ code: 1006, reason: '', willReconnect: true });
      expect(order).toEqual(['push onKick', 'disconnect']);
      expect(kicked).toEqual([]);
      expect(c.state).toBe('reconnecting');
      expect(peer.received.map(toHex)).toEqual(script.map((e) => toHex(e.expect)));
      expect(peer.unexpected).toEqual([]);
      c.close();
      expectNothingLeft(c);
    },
  );

  it('a request nano never answers times out; the connection stays open and usable', BOUNDED, async () => {
    // The unanswered request takes id 1, so the recorded ids 1, 2, 3 of scenario 04 are rewritten to 2, 3, 4.
    const script = edited(exchanges('04-compressed-route'), (frame) => renumber(frame, { 1: 2, 2: 3, 3: 4 }));
    const peer = await replay(script);
    const c = client({ url: peer.url });
    await c.connect();
    const started = Date.now();
    const error = await c.request('Room.Missing', { x: 1 }, { timeout: 200 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RequestTimeoutError);
    expect(error).toMatchObject({ code: 'ERR_REQUEST_TIMEOUT', route: 'Room.Missing', id: 1 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    // Not in the recording, so the peer stayed silent, as nano does for an unknown route or a failed handler.
    // Data, length 22, Request flag 00, id 1, route length 12, "Room.Missing", {"x":1}.
    expect(peer.unexpected.map(toHex)).toEqual(['04000016' + '00' + '01' + '0c' + toHex(utf8('Room.Missing{"x":1}'))]);
    expect(c.state).toBe('open');
    expect(c.debugStats()).toMatchObject({ pendingRequests: 0 });
    await play04(c, peer);
    expect(peer.remaining).toBe(0);
  });
});

/** RecordedScenario 04 after the handshake: the three requests, the notify and its push (the peer checks every byte). */
async function play04(c: NanoClient, peer: ReplayPeer): Promise<void> {
  expect(await c.request('Room.Join', { name: 'carol' })).toEqual({ code: 0, uid: 1, echo: { name: 'carol' } });
  expect(await c.request('Room.Echo', { via: 'code 4' })).toEqual({ via: 'code 4' });
  const pushed = new Promise((resolve) => c.once('onMessage', resolve));
  const any = next(c, 'push');
  c.notify('Room.Message', { text: 'by code' });
  expect(await pushed).toEqual({ text: 'by code' });
  expect(await any).toEqual({ route: 'onMessage', body: { text: 'by code' } });
  // Room.Big is not in nano's dictionary: its route goes as a string (recorded 00 03 08 "Room.Big").
  expect(await c.request('Room.Big', { size: 10 })).toEqual({ code: 0, size: 10, data: 'x'.repeat(10) });
  expect(peer.remaining).toBe(0);
}
