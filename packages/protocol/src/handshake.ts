/**
 * The handshake: the client's JSON request, the server's JSON reply, and the rules derived from it (heartbeat
 * interval, route dictionary). The handshake is always JSON, whatever payload serializer is in use.
 *
 * ```
 * C → S  01 LL LL LL {"sys":{"type":"js-websocket","version":"0.0.1"},"user":{…}}
 * S → C  01 LL LL LL {"code":200,"sys":{"dict":{…},"heartbeat":30,"servertime":1700000000}}
 * C → S  02 00 00 00   (HandshakeAck)
 * ```
 * @see docs/protocol.md#handshake
 * @packageDocumentation
 */

import { compressionFormat, type InflateOptions, inflateBody } from './compression.js';
import { HandshakeCode } from './constants.js';
import { checkBytes, fail, HandshakeError, protocolError } from './errors.js';
import { isPlainObject, parseJsonObject, stringifyGoStyle } from './json.js';
import { RouteDictionary } from './route-dictionary.js';
import { encodeUtf8 } from './utf8.js';

const INVALID = 'ERR_INVALID_HANDSHAKE';

/** Options of {@link createHandshakeRequest}. */
export interface HandshakeRequestOptions {
  /**
   * `sys.type`: the client kind. pomelo servers may check it.
   * @default 'js-websocket'
   */
  type?: string;
  /**
   * `sys.version`: the client version. pomelo servers may check it.
   * @default '0.0.1'
   */
  version?: string;
  /** More `sys` fields, e.g. pinus `dictVersion`/`protoVersion`, pitaya `platform`/`libVersion`, starx `rsa: {}`. */
  sys?: Record<string, unknown>;
  /** The user payload (auth token…), sent as `user`; nano passes the raw handshake to its validator. Omitted when undefined. */
  user?: unknown;
}

/** The client's handshake object. */
export interface HandshakeRequest {
  sys: { type: string; version: string; [key: string]: unknown };
  user?: unknown;
}

/**
 * Builds the client's handshake object, with keys in the order the reference JS clients use, so the JSON is
 * byte-identical to theirs: `{"sys":{"type":"js-websocket","version":"0.0.1"},"user":…}`.
 */
export function createHandshakeRequest({
  type = 'js-websocket',
  version = '0.0.1',
  sys,
  user,
}: HandshakeRequestOptions = {}): HandshakeRequest {
  const request: HandshakeRequest = { sys: Object.assign({ type, version }, sys) };
  if (user !== undefined) request.user = user;
  return request;
}

/** JSON bytes of a handshake request (the body of a Handshake packet). */
export function encodeHandshakeRequest(request: HandshakeRequest | HandshakeRequestOptions = {}): Uint8Array {
  const obj =
    isPlainObject((request as HandshakeRequest).sys) && typeof (request as HandshakeRequest).sys.type === 'string'
      ? request
      : createHandshakeRequest(request as HandshakeRequestOptions);
  return encodeUtf8(JSON.stringify(obj));
}

/**
 * Parses a client's handshake body on the server. nano accepts any bytes here, including an empty body (its Go
 * benchmark client sends one); so does this: an empty body gives `{}`.
 * @throws {ProtocolError} `ERR_INVALID_HANDSHAKE` when the body is not empty and not a JSON object;
 *   `ERR_INVALID_ARGUMENT` when it is not a Uint8Array.
 */
export function parseHandshakeRequest(body: Uint8Array): Partial<HandshakeRequest> & Record<string, unknown> {
  checkBytes(body, 'handshake');
  return body.length === 0 ? {} : parseJsonObject(body, INVALID, 'handshake');
}

/** The server's handshake reply, parsed. Unknown fields are kept in `raw`. */
export interface HandshakeResponse {
  /** 200 (only successful replies are returned; others throw {@link HandshakeError}). */
  code: number;
  /** `sys.heartbeat` in seconds, possibly fractional (nano: 1.5); 0 when the server sent none. */
  heartbeat: number;
  /** The heartbeat interval in milliseconds (`heartbeat * 1000`, rounded). */
  heartbeatMs: number;
  /**
   * `sys.dict` (route → code), if the server sent one (nano since 2022; pomelo `useDict`); else pomelo's
   * `sys.routeToCode`.
   */
  dict?: Record<string, number>;
  /** `sys.dict` as a {@link RouteDictionary} (empty when none was sent). */
  dictionary: RouteDictionary;
  /** `sys.servertime`: nano's start time in Unix seconds (not the time of the handshake). */
  servertime?: number;
  /** pitaya `sys.serializer` ("json" / "protos"). */
  serializer?: string;
  /** pomelo/pinus `sys.protos`, kept raw (pomelo-protobuf JSON). */
  protos?: unknown;
  /** pomelo/pinus `sys.useProto`. */
  useProto?: boolean;
  /** pomelo/pinus `user`: the user handshake callback's result. */
  user?: unknown;
  /** The whole decoded reply. */
  raw: Record<string, unknown>;
}

/**
 * Options of {@link parseHandshakeResponse}: how a compressed reply is inflated (pitaya compresses it whole, without a
 * flag, when that is smaller: the body starts `78 9c` for zlib, `1f 8b` for gzip).
 */
export type HandshakeParseOptions = InflateOptions;

/**
 * Parses the server's handshake reply (nano, pomelo, pinus or pitaya). A zlib or gzip body (see
 * {@link compressionFormat}) is inflated with `options.inflate` (gzip: `options.gunzip` first, when set) before it is
 * parsed.
 * @throws {HandshakeError} when `code` is not 200 (`serverCode` holds it).
 * @throws {ProtocolError} `ERR_INVALID_HANDSHAKE` for a body that is not the expected JSON object (or an invalid
 *   `sys.dict`, `sys.heartbeat`); `ERR_COMPRESSED_HANDSHAKE` for a compressed body that cannot be inflated (no
 *   function for its format, or it threw: `cause`); `ERR_INVALID_ARGUMENT` when `body` is not a Uint8Array.
 */
export function parseHandshakeResponse(body: Uint8Array, options: HandshakeParseOptions = {}): HandshakeResponse {
  checkBytes(body, 'handshake');
  const bytes = compressionFormat(body)
    ? inflateBody(body, options, (message, cause) =>
        protocolError('ERR_COMPRESSED_HANDSHAKE', `handshake: ${message}`, cause),
      )
    : body;
  const raw = parseJsonObject(bytes, INVALID, 'handshake');
  const code = raw['code'];
  if (typeof code !== 'number') fail(INVALID, 'code');
  if (code !== HandshakeCode.Ok) throw new HandshakeError(code, raw);
  const sys = raw['sys'] == null ? {} : raw['sys'];
  if (!isPlainObject(sys)) return fail(INVALID, 'sys');
  const heartbeat = sys['heartbeat'] == null ? 0 : sys['heartbeat'];
  if (typeof heartbeat !== 'number' || !(heartbeat >= 0 && heartbeat < Infinity)) fail(INVALID, 'heartbeat');
  // pomelo also sends the dictionary as `routeToCode` (and inverted as `codeToRoute`, which adds nothing).
  const dict = sys['dict'] == null ? sys['routeToCode'] : sys['dict'];
  let dictionary: RouteDictionary;
  try {
    dictionary = new RouteDictionary(
      dict == null ? undefined : isPlainObject(dict) ? (dict as Record<string, number>) : fail(INVALID, 'dict'),
    );
  } catch (cause) {
    return fail(INVALID, 'dict', cause);
  }
  const response: HandshakeResponse = { code, heartbeat, heartbeatMs: Math.round(heartbeat * 1000), dictionary, raw };
  if (dict != null) response.dict = dict as Record<string, number>;
  if (typeof sys['servertime'] === 'number') response.servertime = sys['servertime'];
  if (typeof sys['serializer'] === 'string') response.serializer = sys['serializer'];
  if (sys['protos'] !== undefined) response.protos = sys['protos'];
  if (typeof sys['useProto'] === 'boolean') response.useProto = sys['useProto'];
  if (raw['user'] !== undefined) response.user = raw['user'];
  return response;
}

/** What a server puts in its handshake reply (see {@link encodeHandshakeResponse}). */
export interface HandshakeResponseInit {
  /** @default 200 */
  code?: number;
  /** Heartbeat interval in seconds (fractional allowed). */
  heartbeat: number;
  /** Route dictionary to announce as `sys.dict`; omitted when empty, as nano does. */
  dict?: RouteDictionary | Record<string, number>;
  /** Unix seconds; nano sends its start time. Omitted when undefined. */
  servertime?: number;
  /** More `sys` fields (pitaya `serializer`…). */
  sys?: Record<string, unknown>;
  /** Top-level `user` field (pomelo). nano never sends it. */
  user?: unknown;
}

/**
 * JSON bytes of a server handshake reply, byte-identical to nano's: keys sorted as Go's `json.Marshal` of a map
 * does, `heartbeat` printed as a number (`30`, `1.5`), `dict` only when non-empty.
 * @throws {ProtocolError} `ERR_INVALID_ARGUMENT` when `init` is not an object.
 * @example encodeHandshakeResponse({ heartbeat: 30, servertime: 1700000000 })
 *   // {"code":200,"sys":{"heartbeat":30,"servertime":1700000000}}
 */
export function encodeHandshakeResponse(init: HandshakeResponseInit): Uint8Array {
  if (!isPlainObject(init)) fail('ERR_INVALID_ARGUMENT', 'handshake reply: not an object');
  // No prototype, so that a `__proto__` key of `init.sys` is kept as a key (stringifyGoStyle sorts the keys anyway).
  const sys: Record<string, unknown> = Object.create(null);
  sys['heartbeat'] = init.heartbeat;
  const dict = init.dict instanceof RouteDictionary ? init.dict.toJSON() : init.dict;
  if (dict !== undefined && Object.keys(dict).length > 0) sys['dict'] = dict;
  if (init.servertime !== undefined) sys['servertime'] = init.servertime;
  if (init.sys) for (const key of Object.keys(init.sys)) sys[key] = init.sys[key];
  const reply: Record<string, unknown> = { code: init.code ?? HandshakeCode.Ok, sys };
  if (init.user !== undefined) reply['user'] = init.user;
  return encodeUtf8(stringifyGoStyle(reply));
}
