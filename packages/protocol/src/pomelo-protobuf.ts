/**
 * pomelo-protobuf payloads (pinus and pomelo with `useProtobuf`), as a separate entry point
 * (`@nanokit/protocol/pomelo-protobuf`). The protos come from the server in each handshake (`sys.protos`), or from
 * the client's handshake cache when the server leaves them out, so no schema is compiled into the app:
 * `new NanoClient({ url, serializer: pomeloProtobuf() })`. Universal: plain Uint8Arrays, no eval, no Node APIs.
 * @see docs/protocol.md#pomelo-protobuf
 * @packageDocumentation
 */
import { MessageType } from './constants.js';
import { checkBytes, fail, isNanoError } from './errors.js';
import type { HandshakeResponse } from './handshake.js';
import { isPlainObject } from './json.js';
import { decodePomelo, encodePomelo } from './pomelo-protobuf-codec.js';
import { compileSide, type ProtoSide } from './pomelo-protos.js';
import { jsonSerializer, type Serializer } from './serializer.js';

export type { FieldOption, PomeloProtoSide, PomeloProtos } from './pomelo-protos.js';

/** Options of {@link pomeloProtobuf}. */
export interface PomeloProtobufOptions {
  /**
   * Used for routes that have no protos in that direction (pinus and pomelo send those as JSON).
   * @default jsonSerializer
   */
  fallback?: Serializer;
}

/** The pomelo-protobuf serializer: a {@link Serializer} that also tells which protos it holds. */
export interface PomeloProtobufSerializer extends Serializer {
  /** `version` of the protos of the last handshake (undefined before one, or when the server sent none). */
  readonly protosVersion: string | undefined;
}

/**
 * Creates a pomelo-protobuf serializer, byte-identical to pinus-protobuf 1.7.4 (pomelo-protobuf 0.4.0 writes the
 * same bytes for the types it has). It takes `sys.protos` from each handshake reply: requests and notifies whose
 * route is in `protos.client`, and responses (by their request's route) and pushes in `protos.server`, are
 * pomelo-protobuf; every other body goes through `fallback` (JSON). Until the first handshake every route is JSON,
 * so notifies queued before it are sent as JSON. Give each client its own instance: it keeps the protos of its
 * connection. The same instance works on a server: responses and pushes are encoded with `protos.server`,
 * requests and notifies decoded with `protos.client`.
 *
 * Differences from pinus-protobuf, all where pinus fails or misreads: a missing required field, or a value of the
 * wrong kind (a string for `uInt32`, a negative `uInt32`, a fraction or an integer beyond 2^53 for an integer type),
 * is `ERR_SERIALIZE_FAILED` (pinus returns null and sends an empty body, or throws, or truncates with `parseInt`);
 * `null`/`undefined` fields are left out; an unknown tag, a length past the end, an unknown type or invalid UTF-8 is
 * `ERR_INVALID_PAYLOAD` (pinus reads on, past the end or out of step).
 * @example
 * import { pomeloProtobuf } from '@nanokit/protocol/pomelo-protobuf';
 * const client = new NanoClient({ url, serializer: pomeloProtobuf(), handshakeCache: createHandshakeCache() });
 */
export function pomeloProtobuf(options: PomeloProtobufOptions = {}): PomeloProtobufSerializer {
  const fallback = options.fallback || jsonSerializer;
  const scratch = new DataView(new ArrayBuffer(8));
  let server: ProtoSide = compileSide(undefined, 'server');
  let client: ProtoSide = server;
  let version: string | undefined;
  /** Server → client bodies use `protos.server`, client → server bodies `protos.client`. */
  const sideOf = (type: MessageType) => (type === MessageType.Response || type === MessageType.Push ? server : client);
  return {
    name: 'pomelo-protobuf',
    get protosVersion() {
      return version;
    },
    encode(route, value, type) {
      const side = sideOf(type);
      const def = side.routes.get(route);
      if (!def) return fallback.encode(route, value, type);
      try {
        return encodePomelo(def, value, side, scratch);
      } catch (cause) {
        if (isNanoError(cause, 'ERR_SERIALIZE_FAILED')) throw cause;
        // A cyclic value overflows the stack.
        return fail('ERR_SERIALIZE_FAILED', route, cause);
      }
    },
    decode(route, bytes, type) {
      const side = sideOf(type);
      const def = side.routes.get(route);
      if (!def) return fallback.decode(route, bytes, type);
      checkBytes(bytes, route);
      try {
        return decodePomelo(def, bytes, side, scratch);
      } catch (cause) {
        // Invalid UTF-8 in a string, and nesting deep enough to overflow the stack, become payload errors too.
        return fail('ERR_INVALID_PAYLOAD', `${route}: ${(cause as Error).message}`, cause);
      }
    },
    onHandshake(handshake: HandshakeResponse) {
      const protos = handshake.protos;
      if (protos !== undefined && !isPlainObject(protos)) fail('ERR_INVALID_PROTOS', 'sys.protos: not an object');
      const next = protos || {};
      const nextServer = compileSide(next['server'], 'server');
      client = compileSide(next['client'], 'client');
      server = nextServer;
      version = typeof next['version'] === 'string' ? next['version'] : undefined;
    },
  };
}
