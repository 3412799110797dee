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

/** A verify() problem that fromObject may resolve: `path.to.field: <kind>[] expected` (or `{k:type}` for a map). */
const CONVERTIBLE = /^([\w.]+): (enum value|integer\|Long)(\[\]|\{k:\w+\})? expected$/;
/** A 64-bit integer written as a decimal string (proto3 JSON writes int64 so). */
const DECIMAL = /^[-+]?\d+$/;
/** How the converted message is read back to check a conversion: names for enums, decimal strings for longs. */
const NAMED = { enums: String, longs: String, defaults: true };

/** Thrown inside {@link resolveProblem}: the value at the problem's path is not a JSON form of the field's type. */
class NotConvertible extends Error {}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** Where {@link resolveProblem} stands: the original value, fromObject's conversion, and that read back. */
interface Walk {
  original: unknown;
  converted: unknown;
  named: unknown;
}

/** The same step into each of the three values. */
function step(walk: Walk, key: string | number): Walk {
  const at = (v: unknown) => (isRecord(v) ? (v as Record<string | number, unknown>)[key] : undefined);
  return { original: at(walk.original), converted: at(walk.converted), named: at(walk.named) };
}

/**
 * The problem `verify()` still reports once every JSON form it rejects is replaced by what `fromObject` made of it,
 * or null when none is left. `problem` is the first problem of `original`; the replacements are made on copies.
 */
function remainingProblem(
  pbType: ProtobufType,
  original: Record<string, unknown>,
  converted: unknown,
  problem: string,
): string | null {
  if (typeof pbType.toObject !== 'function' || typeof pbType.verify !== 'function') return problem;
  const named = pbType.toObject(converted as never, NAMED);
  let current = original;
  for (let round = 0; round < 1000; round++) {
    const m = CONVERTIBLE.exec(problem);
    if (m === null) return problem;
    let next: unknown;
    try {
      const walk = { original: current, converted, named };
      next = resolveProblem(walk, (m[1] as string).split('.'), m[2] as string, m[3]);
    } catch (error) {
      if (error instanceof NotConvertible) return problem;
      throw error;
    }
    const again = pbType.verify(next as Record<string, unknown>);
    if (!again) return null;
    if (again === problem) return problem; // no progress
    current = next as Record<string, unknown>;
    problem = again;
  }
  return problem;
}

/**
 * A copy of the original with the values at `path` replaced by their conversion, when each is a JSON form of the
 * field's type; throws {@link NotConvertible} otherwise. Arrays met on the path are repeated message fields: every
 * element is resolved.
 */
function resolveProblem(walk: Walk, path: readonly string[], kind: string, container: string | undefined): unknown {
  const original = walk.original;
  if (Array.isArray(original)) {
    if (!Array.isArray(walk.converted) || walk.converted.length !== original.length) throw new NotConvertible();
    return original.map((_, i) => resolveProblem(step(walk, i), path, kind, container));
  }
  if (!isRecord(original)) throw new NotConvertible();
  const key = path[0] as string;
  const at = step(walk, key);
  const value = at.original;
  if (value === undefined || value === null) return original; // not set here (one element of a repeated field)
  const copy: Record<string, unknown> = { ...original };
  if (path.length > 1) {
    copy[key] = resolveProblem(at, path.slice(1), kind, container);
  } else if (container === '[]') {
    if (!Array.isArray(value)) throw new NotConvertible();
    copy[key] = value.map((_, i) => convertedLeaf(step(at, i), kind));
  } else if (container !== undefined) {
    if (!isRecord(value)) throw new NotConvertible();
    const map: Record<string, unknown> = {};
    for (const k of Object.keys(value)) map[k] = convertedLeaf(step(at, k), kind);
    copy[key] = map;
  } else {
    copy[key] = convertedLeaf(at, kind);
  }
  return copy;
}

/** The converted value of a field, if the original is a valid value or a JSON form of `kind` that converted exactly. */
function convertedLeaf(walk: Walk, kind: string): unknown {
  const { original: value, converted, named } = walk;
  if (kind === 'enum value') {
    // A number is kept as is (open enums); a name must read back as itself (an unknown name reads back as the
    // default's name, or nothing).
    if (typeof value === 'number' && Number.isInteger(value)) return value;
    if (typeof value === 'string' && named === value && typeof converted === 'number') return converted;
    throw new NotConvertible();
  }
  // integer|Long: an integer or a Long-like as is; a decimal string that reads back as the same number (not one that
  // overflowed 64 bits, or lost precision without long.js).
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (isRecord(value) && Number.isInteger(value['low']) && Number.isInteger(value['high'])) return value;
  if (typeof value === 'string' && DECIMAL.test(value) && named === canonicalDecimal(value)) return converted;
  throw new NotConvertible();
}

/** A decimal integer string without a plus sign or leading zeros (`-0` is `0`). */
function canonicalDecimal(text: string): string {
  const negative = text.startsWith('-');
  const digits = text.replace(/^[-+]/, '').replace(/^0+(?=\d)/, '');
  return negative && digits !== '0' ? `-${digits}` : digits;
}

/**
 * Creates a route-keyed protobuf serializer. Error responses (flag 0x20) are read as pitaya's protobuf `Error`
 * `{code, msg, metadata}` ({@link decodePitayaError}), or as JSON when they are JSON (server-lite).
 *
 * `encode` checks a value with the type's `verify()`; of what it rejects, only enum names and 64-bit integers as
 * decimal strings are converted (`fromObject`), anywhere in the message. Anything else it rejects (an array, `"abc"`
 * for an int32, an object for a string) throws `ERR_SERIALIZE_FAILED` with the `verify()` message instead of being
 * coerced into a default.
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
      let problem: string | null = null;
      try {
        let message: unknown = value ?? {};
        if (typeof message !== 'object' || Array.isArray(message)) {
          problem = 'object expected';
        } else if (typeof pbType.verify === 'function') {
          problem = pbType.verify(message as Record<string, unknown>);
          if (problem && typeof pbType.fromObject === 'function') {
            // fromObject converts the JSON forms verify() rejects (enum names, 64-bit integers as decimal strings),
            // but it also coerces garbage into defaults ("abc" → 0, an object → "[object Object]"): it is used only
            // when every problem is such a JSON form.
            const converted = pbType.fromObject(message as Record<string, unknown>);
            problem = remainingProblem(pbType, message as Record<string, unknown>, converted, problem);
            message = converted;
          }
        } else if (typeof pbType.fromObject === 'function') {
          message = pbType.fromObject(message as Record<string, unknown>);
        }
        if (!problem) return pbType.encode(message as never).finish();
      } catch (cause) {
        const detail = problem ? `: ${problem}` : '';
        throw protocolError(
          ProtocolErrorCode.SerializeFailed,
          `cannot encode the body for "${route}" as protobuf${detail}`,
          cause,
        );
      }
      throw protocolError(
        ProtocolErrorCode.SerializeFailed,
        `cannot encode the body for "${route}" as protobuf: ${problem}`,
      );
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
