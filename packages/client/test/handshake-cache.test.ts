/**
 * The handshake cache: dict + protos kept by version, versions sent in the next handshake, what the server leaves
 * out filled in from the cache, corrupt entries dropped. The replies are shaped as pinus 1.7.4 and pomelo 2.2.7 send
 * them (docs/protocol.md › Handshake cache); the live pinus tests are in test/pinus/pinus.test.ts.
 */
import {
  createHandshakeCache,
  type HandshakeCacheStorage,
  type HandshakeResponse,
  memoryStorage,
  miniGameStorage,
  type Serializer,
} from '@nanokit/client';
import {
  decodePackets,
  encodeDataPacket,
  encodePacket,
  encodeUtf8,
  jsonSerializer,
  MessageType,
  PacketType,
  parseHandshakeRequest,
  parseHandshakeResponse,
} from '@nanokit/protocol';
import { pomeloProtobuf } from '@nanokit/protocol/pomelo-protobuf';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeClient } from './fake-transport.js';

const DICT = { 'connector.entryHandler.enter': 1, 'chat.chatHandler.send': 2, onChat: 3 };
const PROTOS = {
  server: {
    onChatProto: {
      from: { option: 'required', type: 'string', tag: 1 },
      __messages: {},
      __tags: { '1': 'from' },
    },
  },
  client: {},
  version: 'cHJvdG9zLXYx',
};

/** A pinus handshake reply, keys in pinus' order; `cached` leaves out what a matching version drops. */
function pinusReply(opts: { cached?: 'dict' | 'protos' | 'both'; dictVersion?: string; protos?: object } = {}) {
  const sys: Record<string, unknown> = { heartbeat: 3 };
  if (opts.cached !== 'dict' && opts.cached !== 'both') {
    sys['dict'] = DICT;
    sys['dictVersion'] = opts.dictVersion ?? 'ZGljdC12MQ==';
  }
  sys['useDict'] = true;
  if (opts.cached !== 'protos' && opts.cached !== 'both') sys['protos'] = opts.protos ?? PROTOS;
  sys['useProto'] = true;
  return encodeUtf8(JSON.stringify({ code: 200, sys, user: { hello: 'from pinus' } }));
}

/** A storage that records every call. */
function spyStorage(initial?: string) {
  const storage = memoryStorage();
  if (initial !== undefined) storage.setItem('nanokit.handshake', initial);
  const calls: string[] = [];
  const spy: HandshakeCacheStorage = {
    getItem: (k) => {
      calls.push(`get ${k}`);
      return storage.getItem(k);
    },
    setItem: (k, v) => {
      calls.push(`set ${k}`);
      storage.setItem(k, v);
    },
    removeItem: (k) => {
      calls.push(`remove ${k}`);
      storage.removeItem(k);
    },
  };
  return { storage: spy, calls, raw: storage };
}

/** One handshake through the cache: the request `sys` it sends, and the completed reply. */
function roundTrip(cache: ReturnType<typeof createHandshakeCache>, reply: Uint8Array, user?: unknown) {
  const { request, complete } = cache.prepare({ sys: { platform: 'web' }, user });
  return { sys: request.sys as Record<string, unknown>, hs: complete(parseHandshakeResponse(reply)) };
}

describe('createHandshakeCache', () => {
  it('sends no versions at first, stores dict and protos with their versions, and sends both the next time', () => {
    const { storage, raw } = spyStorage();
    const cache = createHandshakeCache({ storage });
    const first = roundTrip(cache, pinusReply(), { token: 't' });
    expect(first.sys).toEqual({ platform: 'web' });
    expect(first.hs.dict).toEqual(DICT);
    expect(JSON.parse(raw.getItem('nanokit.handshake') as string)).toEqual({
      dictVersion: 'ZGljdC12MQ==',
      dict: DICT,
      protoVersion: 'cHJvdG9zLXYx',
      protos: PROTOS,
    });
    const { request } = cache.prepare({ sys: { platform: 'web' }, user: { token: 't' } });
    expect(request).toEqual({
      sys: { platform: 'web', dictVersion: 'ZGljdC12MQ==', protoVersion: 'cHJvdG9zLXYx' },
      user: { token: 't' },
    });
  });

  it('fills in the dict, its RouteDictionary and the protos that the server left out because the versions matched', () => {
    const cache = createHandshakeCache();
    roundTrip(cache, pinusReply());
    const { hs } = roundTrip(cache, pinusReply({ cached: 'both' }));
    expect(hs.raw['sys']).toEqual({ heartbeat: 3, useDict: true, useProto: true });
    expect(hs.dict).toEqual(DICT);
    expect(hs.dictionary.code('onChat')).toBe(3);
    expect(hs.dictionary.route(2)).toBe('chat.chatHandler.send');
    expect(hs.protos).toEqual(PROTOS);
    expect(hs.user).toEqual({ hello: 'from pinus' });
    // One part cached, the other sent: each comes from where it is.
    const onlyDict = roundTrip(cache, pinusReply({ cached: 'dict' })).hs;
    expect(onlyDict.dict).toEqual(DICT);
    expect(onlyDict.raw['sys']).toHaveProperty('protos');
    const onlyProtos = roundTrip(cache, pinusReply({ cached: 'protos' })).hs;
    expect(onlyProtos.raw['sys']).toHaveProperty('dict');
    expect(onlyProtos.protos).toEqual(PROTOS);
  });

  it('replaces the entry when the server answers with new versions', () => {
    const { storage, raw } = spyStorage();
    const cache = createHandshakeCache({ storage });
    roundTrip(cache, pinusReply());
    const protos2 = { ...PROTOS, version: 'djI=' };
    roundTrip(cache, pinusReply({ dictVersion: 'bmV3', protos: protos2 }));
    const stored = JSON.parse(raw.getItem('nanokit.handshake') as string);
    expect(stored.dictVersion).toBe('bmV3');
    expect(stored.protoVersion).toBe('djI=');
    expect(cache.prepare(undefined).request.sys).toEqual({ dictVersion: 'bmV3', protoVersion: 'djI=' });
  });

  it('does not write the storage when nothing changed', () => {
    const { storage, calls } = spyStorage();
    const cache = createHandshakeCache({ storage });
    roundTrip(cache, pinusReply());
    roundTrip(cache, pinusReply({ cached: 'both' }));
    roundTrip(cache, pinusReply());
    expect(calls.filter((c) => c.startsWith('set'))).toHaveLength(1);
  });

  it.each([
    ['not JSON', '{"dictVersion":'],
    ['JSON, not an object', '[1,2]'],
    ['a version without its dict', '{"dictVersion":"v"}'],
    ['a dict without its version', `{"dict":${JSON.stringify(DICT)}}`],
    ['a dict code outside 0–65535', '{"dictVersion":"v","dict":{"a":70000}}'],
    ['one code for two routes', '{"dictVersion":"v","dict":{"a":1,"b":1}}'],
    ['protos whose version is not the stored one', `{"protoVersion":"x","protos":${JSON.stringify(PROTOS)}}`],
    ['protos that are not an object', '{"protoVersion":"x","protos":"x"}'],
    ['protos.server that is not an object', '{"protoVersion":"x","protos":{"version":"x","server":[1]}}'],
  ])('drops a corrupt entry (%s): removed, no versions sent, nothing filled in', (_what, text) => {
    const { storage, raw } = spyStorage(text);
    const cache = createHandshakeCache({ storage });
    const { request, complete } = cache.prepare({ sys: { a: 1 } });
    expect(request.sys).toEqual({ a: 1 });
    expect(raw.getItem('nanokit.handshake')).toBeUndefined();
    const hs = complete(parseHandshakeResponse(pinusReply({ cached: 'both' })));
    expect(hs.dict).toBeUndefined();
    expect(hs.protos).toBeUndefined();
  });

  it('a storage that throws costs only the savings: full handshakes, no error', () => {
    const broken: HandshakeCacheStorage = {
      getItem: () => {
        throw new Error('SecurityError');
      },
      setItem: () => {
        throw new Error('QuotaExceededError');
      },
      removeItem: () => {
        throw new Error('SecurityError');
      },
    };
    const cache = createHandshakeCache({ storage: broken });
    expect(roundTrip(cache, pinusReply()).hs.dict).toEqual(DICT);
    expect(cache.prepare(undefined).request.sys).toEqual({});
  });

  it('nano and pitaya replies (no versions) store nothing and pass through unchanged', () => {
    const { storage, calls } = spyStorage();
    const cache = createHandshakeCache({ storage });
    const nano = encodeUtf8('{"code":200,"sys":{"dict":{"Room.Join":1},"heartbeat":30,"servertime":1700000000}}');
    const reply = parseHandshakeResponse(nano);
    expect(cache.prepare(undefined).complete(reply)).toBe(reply);
    expect(calls.filter((c) => c.startsWith('set'))).toHaveLength(0);
  });

  it('keys: two caches with different keys on one storage keep separate entries', () => {
    const shared = memoryStorage();
    const a = createHandshakeCache({ storage: shared, key: 'game-a' });
    const b = createHandshakeCache({ storage: shared, key: 'game-b' });
    roundTrip(a, pinusReply());
    expect(b.prepare(undefined).request.sys).toEqual({});
    expect(a.prepare(undefined).request.sys).toEqual({ dictVersion: 'ZGljdC12MQ==', protoVersion: 'cHJvdG9zLXYx' });
  });

  it('miniGameStorage adapts wx.getStorageSync / setStorageSync / removeStorageSync ("" means missing)', () => {
    const data = new Map<string, unknown>();
    const wx = {
      getStorageSync: (k: string) => (data.has(k) ? data.get(k) : ''),
      setStorageSync: (k: string, v: string) => void data.set(k, v),
      removeStorageSync: (k: string) => void data.delete(k),
    };
    const cache = createHandshakeCache({ storage: miniGameStorage(wx) });
    expect(cache.prepare(undefined).request.sys).toEqual({});
    roundTrip(cache, pinusReply());
    expect(typeof data.get('nanokit.handshake')).toBe('string');
    expect(cache.prepare(undefined).request.sys).toEqual({ dictVersion: 'ZGljdC12MQ==', protoVersion: 'cHJvdG9zLXYx' });
    data.set('nanokit.handshake', 42); // not a string: dropped
    expect(cache.prepare(undefined).request.sys).toEqual({});
    expect(data.has('nanokit.handshake')).toBe(false);
  });
});

describe('NanoClient with a handshake cache', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** Connects with the fake server answering `reply`; returns the `sys` the client sent. */
  async function connectWith(fc: ReturnType<typeof fakeClient>, reply: Uint8Array) {
    const p = fc.client.connect();
    await vi.advanceTimersByTimeAsync(0);
    fc.ft.last.open();
    const sent = decodePackets(fc.ft.last.sent[0] as Uint8Array)[0];
    expect(sent?.type).toBe(PacketType.Handshake);
    fc.ft.last.receive(encodePacket(PacketType.Handshake, reply));
    await p;
    return parseHandshakeRequest(sent?.body as Uint8Array).sys as Record<string, unknown>;
  }

  const compressedPush = encodeDataPacket(
    { type: MessageType.Push, route: 'onChat', body: '{"text":"hi"}' },
    { dictionary: parseHandshakeResponse(pinusReply()).dictionary },
  );

  it('a second connection sends the versions, and a compressed push still decodes from the cached dictionary', async () => {
    const seen: HandshakeResponse[] = [];
    const serializer: Serializer = { ...jsonSerializer, onHandshake: (hs) => void seen.push(hs) };
    const cache = createHandshakeCache();
    const first = fakeClient({ handshakeCache: cache, serializer, handshake: { user: { token: 't' } } });
    expect(await connectWith(first, pinusReply())).toEqual({ type: 'js-websocket', version: '0.0.1' });
    first.client.close();

    const second = fakeClient({ handshakeCache: cache, serializer });
    const sys = await connectWith(second, pinusReply({ cached: 'both' }));
    expect(sys).toEqual({
      type: 'js-websocket',
      version: '0.0.1',
      dictVersion: 'ZGljdC12MQ==',
      protoVersion: 'cHJvdG9zLXYx',
    });
    expect(second.client.handshake?.dict).toEqual(DICT);
    const pushes: unknown[] = [];
    second.client.on('onChat', (body) => pushes.push(body));
    second.ft.last.receive(compressedPush);
    expect(pushes).toEqual([{ text: 'hi' }]);
    // The serializer saw the cached protos on the second connection, as the first one's.
    expect(seen.map((hs) => hs.protos)).toEqual([PROTOS, PROTOS]);
    second.client.close();
  });

  it('without the cache, the same reply leaves compressed pushes undecodable (what the cache is for)', async () => {
    const fc = fakeClient();
    await connectWith(fc, pinusReply({ cached: 'both' }));
    const errors: unknown[] = [];
    fc.client.on('error', (e) => errors.push(e));
    fc.ft.last.receive(compressedPush);
    expect(errors).toHaveLength(1);
    expect((errors[0] as { code: string }).code).toBe('ERR_UNKNOWN_ROUTE_CODE');
    fc.client.close();
  });

  it('a serializer whose onHandshake throws closes that connection as a protocol error', async () => {
    const serializer: Serializer = {
      ...jsonSerializer,
      onHandshake: () => {
        throw new Error('bad protos');
      },
    };
    const fc = fakeClient({ serializer });
    const p = fc.client.connect();
    await vi.advanceTimersByTimeAsync(0);
    fc.ft.last.open();
    fc.ft.last.receive(encodePacket(PacketType.Handshake, pinusReply()));
    const error = await p.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(String((error as { cause?: unknown }).cause)).toContain('bad protos');
    expect(fc.ft.last.closed?.code).toBe(4002);
  });

  it('a stored entry whose protos the serializer refuses is dropped: the next handshake is a full one', async () => {
    const storage = memoryStorage();
    // Parses and passes the entry checks, but these are not protos (a message that is a number).
    const protos = { version: 'v1', server: { onChat: 5 }, client: {} };
    storage.setItem('nanokit.handshake', JSON.stringify({ protoVersion: 'v1', protos }));
    const cache = createHandshakeCache({ storage });
    const sent: Record<string, unknown>[] = [];
    const errors: unknown[] = [];
    for (let i = 0; i < 2; i++) {
      const fc = fakeClient({ handshakeCache: cache, serializer: pomeloProtobuf() });
      const p = fc.client.connect().then(undefined, (e: unknown) => void errors.push(e));
      await vi.advanceTimersByTimeAsync(0);
      fc.ft.last.open();
      const hello = decodePackets(fc.ft.last.sent[0] as Uint8Array)[0];
      const sys = parseHandshakeRequest(hello?.body as Uint8Array).sys as Record<string, unknown>;
      sent.push(sys);
      // pinus leaves the protos out when the version matches.
      const reply = { code: 200, sys: { heartbeat: 3, useProto: sys['protoVersion'] === 'v1' } };
      fc.ft.last.receive(encodePacket(PacketType.Handshake, encodeUtf8(JSON.stringify(reply))));
      await p;
      fc.client.close();
    }
    expect((errors[0] as { code?: string }).code).toBe('ERR_INVALID_PROTOS');
    expect(sent.map((sys) => sys['protoVersion'])).toEqual(['v1', undefined]);
    expect(errors).toHaveLength(1);
  });
});
