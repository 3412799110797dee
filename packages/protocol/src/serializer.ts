/**
 * Payload serializers: how message bodies become bytes and back. Keyed by route (and message type), so one
 * serializer can pick a different schema per route, as protobuf needs.
 * @packageDocumentation
 */
import type { MessageType } from './constants.js';
import { checkBytes, fail } from './errors.js';
import type { HandshakeResponse } from './handshake.js';
import { decodeUtf8Range, type Utf8Codec } from './utf8.js';

/**
 * Turns message bodies into bytes and back.
 *
 * `type` tells which side of a route is meant: a Request and its Response share the route (`Room.Join`) but
 * usually not the schema. For a Response, `route` is the route of the request it answers.
 */
export interface Serializer {
  /** A short name for logs and the handshake (`json`, `protobuf`). */
  readonly name: string;
  /**
   * Serializes a body. May return a string, which is written as UTF-8 straight into the packet (saves a copy).
   * @throws {ProtocolError} `ERR_SERIALIZE_FAILED` (or `ERR_UNKNOWN_PROTO_ROUTE`) when the value cannot be encoded.
   */
  encode(route: string, value: unknown, type: MessageType): Uint8Array | string;
  /**
   * Deserializes a body. `bytes` may be a view into a larger buffer: copy it if you keep it.
   * @throws {ProtocolError} `ERR_INVALID_PAYLOAD` when the bytes are not a valid body; `ERR_INVALID_ARGUMENT` when
   *   `bytes` is not a Uint8Array.
   */
  decode(route: string, bytes: Uint8Array, type: MessageType): unknown;
  /**
   * Decodes the body of an error response (flag 0x20) to the request on `route`. pitaya writes error bodies with the
   * session's serializer; without this method they are read as JSON `{code, msg}` (server-lite always, pitaya with
   * JSON).
   * @throws {ProtocolError} `ERR_INVALID_PAYLOAD` when the bytes are not an error body; `ERR_INVALID_ARGUMENT` when
   *   `bytes` is not a Uint8Array.
   */
  decodeError?(route: string, bytes: Uint8Array): unknown;
  /**
   * Receives every handshake reply of a connection before any of its messages is encoded or decoded: a serializer
   * whose schemas come from the server takes them here (pomelo-protobuf reads `sys.protos`; with a handshake cache
   * the client passes the cached protos when the server left them out). A serializer with this method keeps state:
   * give each client its own instance.
   * @throws {ProtocolError} when the reply holds what the serializer cannot use; the client then closes that
   *   connection as a protocol error.
   */
  onHandshake?(handshake: HandshakeResponse): void;
}

/** Options of {@link createJsonSerializer}. */
export interface JsonSerializerOptions {
  /** UTF-8 codec used to decode bodies. @default the built-in codec (native TextDecoder where present) */
  utf8?: Utf8Codec;
  /** Passed to `JSON.parse`. */
  reviver?: (key: string, value: unknown) => unknown;
}

/**
 * Creates a JSON serializer. Encoding returns the JSON text (written as UTF-8 by the codec); `undefined` encodes
 * to an empty body, and an empty body decodes to `undefined`.
 */
export function createJsonSerializer(options: JsonSerializerOptions = {}): Serializer {
  const codec = options.utf8;
  const reviver = options.reviver;
  return {
    name: 'json',
    encode(route, value) {
      try {
        return JSON.stringify(value) || '';
      } catch (cause) {
        return fail('ERR_SERIALIZE_FAILED', route, cause);
      }
    },
    decode(route, bytes) {
      checkBytes(bytes, route);
      if (bytes.length === 0) return undefined;
      try {
        return JSON.parse(codec ? codec.decode(bytes) : decodeUtf8Range(bytes, 0, bytes.length), reviver);
      } catch (cause) {
        // The cause tells invalid UTF-8 from invalid JSON.
        return fail('ERR_INVALID_PAYLOAD', route, cause);
      }
    },
  };
}

/** The default serializer: JSON, UTF-8, stateless. */
export const jsonSerializer: Serializer = /*#__PURE__*/ createJsonSerializer();
