/**
 * The handshake cache: pomelo and pinus send their route dictionary and protos in every handshake reply unless the
 * client names the versions it already has (`sys.dictVersion`, `sys.protoVersion`). The server then leaves them out
 * but still compresses routes with that dictionary, so the client must keep it. This module keeps both, keyed by
 * their versions, in a storage of your choice.
 * @packageDocumentation
 */
import { type HandshakeRequestOptions, type HandshakeResponse, RouteDictionary } from '@nanokit/protocol';
import type { HandshakeCache } from './options.js';

/** A string store for the cache entry. `localStorage` and `sessionStorage` are ones; see also {@link memoryStorage}
 * and {@link miniGameStorage}. */
export interface HandshakeCacheStorage {
  /** The stored text, or null/undefined when there is none. */
  getItem(key: string): string | null | undefined;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** Options of {@link createHandshakeCache}. */
export interface HandshakeCacheOptions {
  /**
   * Where the entry is kept. A throwing storage (quota, private mode) only costs the next handshake its savings.
   * @default memoryStorage(): kept for the life of the cache object (reconnects), not across page loads
   */
  storage?: HandshakeCacheStorage;
  /**
   * The storage key. Use one per server (game) when several share a storage: versions are hashes, so a wrong entry is
   * replaced, never used, but it costs a full handshake each time.
   * @default 'nanokit.handshake'
   */
  key?: string;
}

/** What is stored: each pair is present when the server sent it with its version. */
interface Entry {
  dictVersion?: string;
  dict?: Record<string, number>;
  protoVersion?: string;
  protos?: Record<string, unknown>;
}

/** A storage in memory (a `Map`): the default of {@link createHandshakeCache}. */
export function memoryStorage(): HandshakeCacheStorage {
  const map = new Map<string, string>();
  return {
    getItem: (key) => map.get(key),
    setItem: (key, value) => {
      map.set(key, value);
    },
    removeItem: (key) => {
      map.delete(key);
    },
  };
}

/** The synchronous storage calls of the WeChat, Douyin, QQ and Kuaishou mini-game APIs (`wx`, `tt`, `qq`, `ks`). */
export interface MiniGameStorageApi {
  getStorageSync(key: string): unknown;
  setStorageSync(key: string, data: string): void;
  removeStorageSync(key: string): void;
}

/**
 * A storage over a mini-game's synchronous storage API, which you pass in: `miniGameStorage(wx)`. (`getStorageSync`
 * returns `''` for a missing key.) For `localStorage` and `sessionStorage` no adapter is needed: pass them as they are.
 */
export function miniGameStorage(api: MiniGameStorageApi): HandshakeCacheStorage {
  return {
    getItem: (key) => {
      const value = api.getStorageSync(key);
      // Anything else stored under the key (an object, a number) is not an entry: as text it fails to parse.
      return value === '' || value == null ? null : String(value);
    },
    setItem: (key, value) => api.setStorageSync(key, value),
    removeItem: (key) => api.removeStorageSync(key),
  };
}

/**
 * Creates a handshake cache for the `handshakeCache` option of `NanoClient`. Before each handshake it sends the
 * versions of the stored dictionary and protos as `sys.dictVersion` / `sys.protoVersion`; when the server (pomelo,
 * pinus) leaves them out of its reply because they match, the client gets the stored ones in
 * `handshake.dict` / `handshake.dictionary` / `handshake.protos`, as if the server had sent them, so compressed
 * routes and pomelo-protobuf bodies decode. When the server sends a dictionary or protos with a version, they replace
 * the stored ones. A stored entry that does not parse, or whose dictionary or protos are malformed, is removed and
 * not used: that handshake is a full one; so is the entry of a handshake that failed (a serializer whose
 * `onHandshake` refused the cached protos). nano and pitaya ignore the versions and send what they always send.
 * @example
 * const client = new NanoClient({ url, serializer: pomeloProtobuf(),
 *   handshakeCache: createHandshakeCache({ storage: localStorage, key: 'mygame.handshake' }) });
 */
export function createHandshakeCache(options: HandshakeCacheOptions = {}): HandshakeCache {
  const storage = options.storage || memoryStorage();
  const key = options.key || 'nanokit.handshake';

  function drop(): void {
    try {
      storage.removeItem(key);
    } catch {}
  }

  function load(): Entry | undefined {
    try {
      const text = storage.getItem(key);
      if (text == null) return undefined;
      const entry = validEntry(JSON.parse(text));
      if (entry) return entry;
    } catch {
      // Unreadable or corrupt: dropped below, like an entry that parses but is malformed.
    }
    drop();
    return undefined;
  }

  function save(entry: Entry): void {
    try {
      storage.setItem(key, JSON.stringify(entry));
    } catch {
      // Full or forbidden storage: the next handshake is a full one.
    }
  }

  return {
    prepare(request) {
      const entry = load();
      const sys: Record<string, unknown> = Object.assign({}, request && request.sys);
      if (entry && entry.dictVersion) sys['dictVersion'] = entry.dictVersion;
      if (entry && entry.protoVersion) sys['protoVersion'] = entry.protoVersion;
      return {
        request: Object.assign({}, request, { sys }) as HandshakeRequestOptions,
        complete: (reply) => complete(reply, entry, save),
        // What was stored or given (protos the serializer refused, say) is suspect: the next handshake is a full one.
        reject: drop,
      };
    },
  };
}

/**
 * The reply with what the server left out taken from `entry` (the entry whose versions were sent), and the entry
 * updated with what the server sent.
 */
function complete(reply: HandshakeResponse, entry: Entry | undefined, save: (entry: Entry) => void): HandshakeResponse {
  const sys = (reply.raw['sys'] || {}) as Record<string, unknown>;
  const next: Entry = Object.assign({}, entry);
  let out = reply;
  let changed = false;
  const dictVersion = sys['dictVersion'];
  if (reply.dict && typeof dictVersion === 'string') {
    if (next.dictVersion !== dictVersion) changed = true;
    next.dictVersion = dictVersion;
    next.dict = reply.dict;
  } else if (!reply.dict && sys['useDict'] === true && entry && entry.dict) {
    out = Object.assign({}, out, { dict: entry.dict, dictionary: new RouteDictionary(entry.dict) });
  }
  const protos = sys['protos'];
  const protoVersion = isObject(protos) ? protos['version'] : undefined;
  if (isObject(protos) && typeof protoVersion === 'string') {
    if (next.protoVersion !== protoVersion) changed = true;
    next.protoVersion = protoVersion;
    next.protos = protos;
  } else if (protos === undefined && sys['useProto'] === true && entry && entry.protos) {
    out = Object.assign({}, out, { protos: entry.protos });
  }
  if (changed) save(next);
  return out;
}

/** `value` as an entry when it is a well-formed one, else undefined. */
function validEntry(value: unknown): Entry | undefined {
  if (!isObject(value)) return undefined;
  const { dictVersion, dict, protoVersion, protos } = value;
  const entry: Entry = {};
  if (dictVersion !== undefined || dict !== undefined) {
    if (typeof dictVersion !== 'string' || !isObject(dict)) return undefined;
    new RouteDictionary(dict as Record<string, number>); // throws on codes that are not 0–65535, duplicates…
    entry.dictVersion = dictVersion;
    entry.dict = dict as Record<string, number>;
  }
  if (protoVersion !== undefined || protos !== undefined) {
    if (typeof protoVersion !== 'string' || !isObject(protos) || protos['version'] !== protoVersion) return undefined;
    if (!isObject(protos['server'] || {}) || !isObject(protos['client'] || {})) return undefined;
    entry.protoVersion = protoVersion;
    entry.protos = protos;
  }
  return entry;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
