/**
 * The serializer options: `--proto` / `--types` (a protobuf serializer from a `.proto` file and a route → type map,
 * JSON for the routes the map does not name) and `--pomelo` (pomelo-protobuf with the protos of each handshake).
 * @packageDocumentation
 */
import { readFile } from 'node:fs/promises';
import { jsonSerializer, type Serializer } from '@nanokit/protocol';
import { CliError, errorMessage } from './errors.js';

/** The route → message type map of `--types`: fully qualified type names per direction. */
export interface RouteTypes {
  /** Route → type of request and notify bodies. */
  requests?: Record<string, string>;
  /** Request route → type of its response. */
  responses?: Record<string, string>;
  /** Push route → type. */
  pushes?: Record<string, string>;
}

/** Options naming a serializer. */
export interface SerializerFlags {
  /** A `.proto` file. */
  proto?: string | undefined;
  /** A JSON file, or inline JSON, holding {@link RouteTypes}. */
  types?: string | undefined;
  /** pomelo-protobuf, with the protos of each connection's handshake (pomelo, pinus). */
  pomelo?: boolean | undefined;
}

/** Makes the serializer of one connection (pomelo-protobuf keeps the protos of its connection: one per client). */
export type SerializerFactory = () => Serializer;

async function readTypes(value: string): Promise<RouteTypes> {
  const text = value.trim().startsWith('{') ? value : await readFile(value, 'utf8');
  let types: unknown;
  try {
    types = JSON.parse(text);
  } catch (error) {
    throw new CliError('ERR_BAD_SERIALIZER', `--types: not JSON (${errorMessage(error)})`);
  }
  const ok = (v: unknown) =>
    v === undefined ||
    (typeof v === 'object' && v !== null && Object.values(v).every((name) => typeof name === 'string'));
  const t = types as RouteTypes;
  if (typeof types !== 'object' || types === null || !ok(t.requests) || !ok(t.responses) || !ok(t.pushes)) {
    throw new CliError(
      'ERR_BAD_SERIALIZER',
      '--types must be {"requests": {route: type}, "responses": {route: type}, "pushes": {route: type}}',
    );
  }
  return t;
}

/**
 * The serializer the flags ask for, as a factory: JSON by default; with `--proto`, protobuf for the routes of
 * `--types` and JSON for the others; with `--pomelo`, pomelo-protobuf (a new instance per call).
 * @throws {CliError} `ERR_BAD_SERIALIZER` for a `.proto` that does not load, a type it lacks, `--types` alone, or
 *   `--pomelo` with `--proto`.
 */
export async function loadSerializer(flags: SerializerFlags): Promise<SerializerFactory> {
  if (flags.pomelo) {
    if (flags.proto !== undefined) throw new CliError('ERR_BAD_SERIALIZER', 'give --pomelo or --proto, not both');
    const { pomeloProtobuf } = await import('@nanokit/protocol/pomelo-protobuf');
    return () => pomeloProtobuf({ fallback: jsonSerializer });
  }
  if (flags.proto === undefined) {
    if (flags.types !== undefined) throw new CliError('ERR_BAD_SERIALIZER', '--types needs --proto');
    return () => jsonSerializer;
  }
  const types = flags.types === undefined ? {} : await readTypes(flags.types);
  const [{ default: protobuf }, { createProtobufSerializer }] = await Promise.all([
    import('protobufjs'),
    import('@nanokit/protocol/protobuf'),
  ]);
  try {
    const root = await protobuf.load(flags.proto);
    const serializer = createProtobufSerializer({
      root,
      requests: types.requests ?? {},
      responses: types.responses ?? {},
      pushes: types.pushes ?? {},
      fallback: jsonSerializer,
    });
    return () => serializer;
  } catch (error) {
    throw new CliError('ERR_BAD_SERIALIZER', `--proto ${flags.proto}: ${errorMessage(error)}`, { cause: error });
  }
}
