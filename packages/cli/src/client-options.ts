/**
 * The connection options shared by `repl`, `bots` and `replay`: URL check, handshake user data, timeouts,
 * serializer.
 * @packageDocumentation
 */
import type { NanoClientOptions, Serializer } from '@nanokit/client';
import { type CommandArgs, num, str, UsageError } from './command.js';
import { loadSerializer } from './serializer.js';

/** `parseArgs` options of every command that connects. */
export const CONNECT_OPTIONS = {
  user: { type: 'string', short: 'u' },
  timeout: { type: 'string', short: 't' },
  proto: { type: 'string' },
  types: { type: 'string' },
} as const;

/** Help lines of {@link CONNECT_OPTIONS}. */
export const CONNECT_HELP = `  -u, --user JSON        handshake user data (the "user" field: auth token…)
  -t, --timeout MS       request timeout (default 10000)
      --proto FILE       protobuf bodies from this .proto file ...
      --types JSON       ... for the routes of this map (JSON or a file):
                         {"requests":{route:type},"responses":{route:type},"pushes":{route:type}};
                         other routes stay JSON`;

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

/** Client options from the command line, without the URL. */
export async function clientOptions(args: CommandArgs): Promise<Omit<NanoClientOptions, 'url'>> {
  const user = str(args, 'user');
  let userData: unknown;
  if (user !== undefined) {
    try {
      userData = JSON.parse(user);
    } catch {
      throw new UsageError(`--user must be JSON, got ${user}`);
    }
  }
  const serializer: Serializer = await loadSerializer({ proto: str(args, 'proto'), types: str(args, 'types') });
  return {
    requestTimeout: num(args, 'timeout', 10_000),
    serializer,
    reconnect: false,
    ...(userData === undefined ? {} : { handshake: { user: userData } }),
  };
}
