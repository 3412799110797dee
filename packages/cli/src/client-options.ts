/**
 * The connection options shared by `repl`, `bots` and `replay`: URL check, handshake user data, timeouts,
 * serializer.
 * @packageDocumentation
 */
import type { NanoClientOptions } from '@nanokit/client';
import { type CommandArgs, num, str, UsageError } from './command.js';
import { loadSerializer, type SerializerFactory } from './serializer.js';

/** `parseArgs` options of every command that connects. */
export const CONNECT_OPTIONS = {
  user: { type: 'string', short: 'u' },
  timeout: { type: 'string', short: 't' },
  proto: { type: 'string' },
  types: { type: 'string' },
  pomelo: { type: 'boolean' },
} as const;

/** Help lines of {@link CONNECT_OPTIONS}. */
export const CONNECT_HELP = `  -u, --user JSON        handshake user data (the "user" field: auth token…)
  -t, --timeout MS       request timeout (default 10000)
      --proto FILE       protobuf bodies from this .proto file ...
      --types JSON       ... for the routes of this map (JSON or a file):
                         {"requests":{route:type},"responses":{route:type},"pushes":{route:type}};
                         other routes stay JSON
      --pomelo           pomelo-protobuf bodies, with the protos of the server's handshake (pomelo, pinus)`;

/**
 * Checks a server URL: `ws://`, `wss://` or `tcp://`.
 * @throws {UsageError} for anything else.
 */
export function checkUrl(url: string | undefined, what = 'URL'): string {
  if (url === undefined) throw new UsageError(`missing ${what} (ws://host:port/path, wss://… or tcp://host:port)`);
  if (!/^(wss?|tcp):\/\/./i.test(url))
    throw new UsageError(`${what} must start with ws://, wss:// or tcp://, got ${url}`);
  return url;
}

/** Client options without the URL and the serializer, which each connection makes with `serializer()`. */
export interface ConnectOptions {
  client: Omit<NanoClientOptions, 'url' | 'serializer'>;
  serializer: SerializerFactory;
}

/** Connection options from the command line. */
export async function clientOptions(args: CommandArgs): Promise<ConnectOptions> {
  const user = str(args, 'user');
  let userData: unknown;
  if (user !== undefined) {
    try {
      userData = JSON.parse(user);
    } catch {
      throw new UsageError(`--user must be JSON, got ${user}`);
    }
  }
  const serializer = await loadSerializer({
    proto: str(args, 'proto'),
    types: str(args, 'types'),
    pomelo: args.values['pomelo'] === true,
  });
  return {
    client: {
      requestTimeout: num(args, 'timeout', 10_000),
      reconnect: false,
      ...(userData === undefined ? {} : { handshake: { user: userData } }),
    },
    serializer,
  };
}
