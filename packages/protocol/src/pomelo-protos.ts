/**
 * pomelo-protobuf schemas ("protos") as pinus and pomelo send them in the handshake (`sys.protos`), checked and
 * turned into maps the codec can trust (no prototype lookups, tags known to be integers).
 * @see docs/protocol.md#pomelo-protobuf
 * @packageDocumentation
 */
import { fail } from './errors.js';
import { isPlainObject } from './json.js';

/**
 * One side of the protos in the parsed form of the handshake: route → message, plus shared types under
 * `"message <Name>"`. A message maps each field name to `{ option, type, tag }` and has `__messages` (nested types)
 * and `__tags` (tag → name), as pinus-protobuf's `Protobuf.parse` writes them.
 */
export type PomeloProtoSide = Record<string, unknown>;

/** `sys.protos` of a pinus or pomelo handshake. */
export interface PomeloProtos {
  /** Server → client: responses (keyed by the request's route) and pushes. */
  server?: PomeloProtoSide;
  /** Client → server: requests and notifies. */
  client?: PomeloProtoSide;
  /** The server's version of these protos (base64 MD5), which a handshake cache sends back as `sys.protoVersion`. */
  version?: string;
}

/** A field label: `map` and `obj` are pinus-protobuf's (a counted list of key/value pairs, decoded to a Map / object). */
export type FieldOption = 'required' | 'optional' | 'repeated' | 'map' | 'obj';

/** @internal A field of a compiled message. */
export interface Field {
  name: string;
  option: FieldOption;
  type: string;
  tag: number;
}

/** @internal A compiled message: fields by name and by tag, nested types by name. */
export interface MessageDef {
  fields: Map<string, Field>;
  tags: Map<number, Field>;
  nested: Map<string, MessageDef>;
  required: Field[];
}

/** @internal One compiled side: messages by route, shared types by name. */
export interface ProtoSide {
  routes: Map<string, MessageDef>;
  shared: Map<string, MessageDef>;
}

const OPTIONS: readonly string[] = ['required', 'optional', 'repeated', 'map', 'obj'];
/** Tags above this overflow pinus-protobuf's 32-bit `tag << 3`. */
const MAX_TAG = 2 ** 28 - 1;

/**
 * @internal Compiles one side of `sys.protos`. Fields whose label pinus-protobuf does not know are left out (pinus
 * neither writes nor reads them); types are resolved when used, so an unknown type only fails the messages that
 * use it, as in pinus.
 * @throws {ProtocolError} `ERR_INVALID_PROTOS` when the side is not in the parsed form: a message or field that is
 *   not an object, a tag that is not an integer in 0…2^28−1, two fields with one tag.
 */
export function compileSide(side: unknown, what: string): ProtoSide {
  const out: ProtoSide = { routes: new Map(), shared: new Map() };
  if (side == null) return out;
  if (!isPlainObject(side)) return fail('ERR_INVALID_PROTOS', `${what}: not an object`);
  for (const key of Object.keys(side)) {
    const def = compileMessage(side[key], `${what}.${key}`);
    if (key.slice(0, 8) === 'message ') out.shared.set(key.slice(8), def);
    else out.routes.set(key, def);
  }
  return out;
}

function compileMessage(value: unknown, what: string): MessageDef {
  if (!isPlainObject(value)) return fail('ERR_INVALID_PROTOS', `${what}: not an object`);
  const def: MessageDef = { fields: new Map(), tags: new Map(), nested: new Map(), required: [] };
  for (const name of Object.keys(value)) {
    const item = value[name];
    if (name === '__tags') continue; // derived from the fields, which it mirrors
    if (name === '__messages') {
      if (!isPlainObject(item)) fail('ERR_INVALID_PROTOS', `${what}.__messages: not an object`);
      for (const type of Object.keys(item)) def.nested.set(type, compileMessage(item[type], `${what}.${type}`));
      continue;
    }
    if (!isPlainObject(item)) return fail('ERR_INVALID_PROTOS', `${what}.${name}: not a field`);
    const { option, type, tag } = item;
    if (typeof option !== 'string' || typeof type !== 'string' || type === '') {
      return fail('ERR_INVALID_PROTOS', `${what}.${name}: option and type must be strings`);
    }
    if (typeof tag !== 'number' || !(tag >= 0 && tag <= MAX_TAG) || Math.floor(tag) !== tag) {
      return fail('ERR_INVALID_PROTOS', `${what}.${name}: tag ${String(tag)}`);
    }
    if (OPTIONS.indexOf(option) < 0) continue;
    if (def.tags.has(tag)) return fail('ERR_INVALID_PROTOS', `${what}.${name}: tag ${tag} used twice`);
    const field: Field = { name, option: option as FieldOption, type, tag };
    def.fields.set(name, field);
    def.tags.set(tag, field);
    if (option === 'required') def.required.push(field);
  }
  return def;
}

/**
 * @internal The message type `type` as pinus-protobuf finds it from inside `scope`: a type nested in that message,
 * else a shared one. (Not the types nested in enclosing messages: pinus does not look there.)
 */
export function resolveType(type: string, scope: MessageDef, side: ProtoSide): MessageDef | undefined {
  return scope.nested.get(type) || side.shared.get(type);
}
