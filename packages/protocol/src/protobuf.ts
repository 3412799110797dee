/**
 * Protobuf payloads through protobufjs, as a separate entry point (`@nanokit/protocol/protobuf`) so the core never
 * pulls it in. protobufjs is an optional peer dependency and is never imported here: the serializer takes message
 * types you already have, either
 * - reflection types from a `Root` (`protobuf.Root.fromJSON(descriptor)` / `root.lookupType('Foo')`), or
 * - statically generated classes (`pbjs -t static-module`), which need no `eval`/`new Function` and so run on
 *   WeChat/Douyin mini-games, where reflection codegen is forbidden.
 * @see docs/runtimes.md#protobuf
 * @packageDocumentation
 */
import { MessageType } from './constants.js';
import { checkBytes, ProtocolErrorCode, protocolError } from './errors.js';
import { decodePitayaError } from './pitaya-error.js';
import { jsonSerializer, type Serializer } from './serializer.js';

export type { PitayaError } from './pitaya-error.js';
export { decodePitayaError } from './pitaya-error.js';

/** The part of a protobufjs message type (reflection `Type` or static class) that the serializer uses. */
export interface ProtobufType {
  encode(message: never): { finish(): Uint8Array };
  decode(reader: Uint8Array): unknown;
  fromObject?(object: Record<string, unknown>): unknown;
  toObject?(message: never, options?: Record<string, unknown>): Record<string, unknown>;
  verify?(message: Record<string, unknown>): string | null;
}

/** The part of a protobufjs `Root` used to resolve type names. */
export interface ProtobufRoot {
  lookupType(path: string): ProtobufType;
}

/** A message type, or its fully qualified name in `root`. */
export type ProtobufTypeRef = ProtobufType | string;

/** Options of {@link createProtobufSerializer}. */
export interface ProtobufSerializerOptions {
  /** Resolves type names given as strings. Required when any type is given by name. */
  root?: ProtobufRoot;
  /** Route → type of the bodies clients send (Request and Notify). */
  requests?: Record<string, ProtobufTypeRef>;
  /** Route of the request → type of its Response. */
  responses?: Record<string, ProtobufTypeRef>;
  /** Push route → type of the pushed body. */
  pushes?: Record<string, ProtobufTypeRef>;
  /** Used for routes with no protobuf type (e.g. a JSON side channel). Without it such routes throw. */
  fallback?: Serializer;
  /**
   * Conversion applied to decoded messages (`Type.toObject` options, e.g. `{ longs: String, enums: String }`);
   * `false` returns message instances as decoded.
   * @default { defaults: true }
   */
  toObject?: Record<string, unknown> | false;
}

interface Tables {
  requests: Map<string, ProtobufType>;
  responses: Map<string, ProtobufType>;
  pushes: Map<string, ProtobufType>;
}

function resolveTable(
  refs: Record<string, ProtobufTypeRef> | undefined,
  root: ProtobufRoot | undefined,
): Map<string, ProtobufType> {
  const table = new Map<string, ProtobufType>();
  if (!refs) return table;
  for (const route of Object.keys(refs)) {
    const ref = refs[route] as ProtobufTypeRef;
    if (typeof ref === 'string') {
      if (!root)
        throw protocolError(
          ProtocolErrorCode.InvalidArgument,
          `type "${ref}" for "${route}" is a name but no root was given`,
        );
      table.set(route, root.lookupType(ref));
    } else {
      table.set(route, ref);
    }
  }
  return table;
}

function tableFor(tables: Tables, type: MessageType): Map<string, ProtobufType> {
  if (type === MessageType.Response) return tables.responses;
  if (type === MessageType.Push) return tables.pushes;
  return tables.requests;
}

/**
 * Creates a route-keyed protobuf serializer. Error responses (flag 0x20) are read as pitaya's protobuf `Error`
 * `{code, msg, metadata}` ({@link decodePitayaError}), or as JSON when they are JSON (server-lite).
 *
 * @example
 * import protobuf from 'protobufjs/light';
 * const root = protobuf.Root.fromJSON(descriptor);
 * const serializer = createProtobufSerializer({
 *   root,
 *   requests: { 'Room.Join': 'chat.JoinRequest' },
 *   responses: { 'Room.Join': 'chat.JoinResponse' },
 *   pushes: { onMessage: 'chat.ChatMessage' },
 * });
 * @throws {ProtocolError} `ERR_INVALID_ARGUMENT` when a type name cannot be resolved.
 */
export function createProtobufSerializer(options: ProtobufSerializerOptions): Serializer {
  const tables: Tables = {
    requests: resolveTable(options.requests, options.root),
    responses: resolveTable(options.responses, options.root),
    pushes: resolveTable(options.pushes, options.root),
  };
  const fallback = options.fallback;
  const toObjectOptions = options.toObject === undefined ? { defaults: true } : options.toObject;
  return {
    name: 'protobuf',
    encode(route, value, type) {
      const pbType = tableFor(tables, type).get(route);
      if (pbType === undefined) {
        if (fallback) return fallback.encode(route, value, type);
        throw protocolError(
          ProtocolErrorCode.UnknownProtoRoute,
          `no protobuf type for "${route}" (message type ${type})`,
        );
      }
      try {
        let message: unknown = value ?? {};
        if (pbType.verify && typeof pbType.fromObject === 'function') {
          const problem = pbType.verify(message as Record<string, unknown>);
          if (problem) {
            // fromObject converts JSON-ish values (enum names, string longs); verify() rejects them, so convert first.
            message = pbType.fromObject(message as Record<string, unknown>);
          }
        } else if (typeof pbType.fromObject === 'function') {
          message = pbType.fromObject(message as Record<string, unknown>);
        }
        return pbType.encode(message as never).finish();
      } catch (cause) {
        throw protocolError(
          ProtocolErrorCode.SerializeFailed,
          `cannot encode the body for "${route}" as protobuf`,
          cause,
        );
      }
    },
    decode(route, bytes, type) {
      checkBytes(bytes, route);
      const pbType = tableFor(tables, type).get(route);
      if (pbType === undefined) {
        if (fallback) return fallback.decode(route, bytes, type);
        throw protocolError(
          ProtocolErrorCode.UnknownProtoRoute,
          `no protobuf type for "${route}" (message type ${type})`,
        );
      }
      let message: unknown;
      try {
        message = pbType.decode(bytes);
      } catch (cause) {
        throw protocolError(
          ProtocolErrorCode.InvalidPayload,
          `body for "${route}" is not a valid protobuf message`,
          cause,
        );
      }
      if (toObjectOptions !== false && typeof pbType.toObject === 'function') {
        return pbType.toObject(message as never, toObjectOptions);
      }
      return message;
    },
    decodeError(route, bytes) {
      checkBytes(bytes, route);
      // JSON error bodies (server-lite, whatever its serializer) start with `{`; that byte can never begin pitaya's
      // protobuf Error (it would be field 15 as a group).
      if (bytes[0] === 0x7b) return jsonSerializer.decode(route, bytes, MessageType.Response);
      return decodePitayaError(bytes);
    },
  };
}
