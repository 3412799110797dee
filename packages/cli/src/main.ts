/**
 * The `nanokit` command line: picks the subcommand, parses its options with `node:util` `parseArgs`, runs it.
 * @packageDocumentation
 */
import { parseArgs } from 'node:util';
import { type Command, type Io, println } from './command.js';
import { botsCommand } from './commands/bots.js';
import { decodeCommand } from './commands/decode.js';
import { recordCommand } from './commands/record.js';
import { replCommand } from './commands/repl.js';
import { replayCommand } from './commands/replay.js';
import { errorCode, errorMessage } from './errors.js';

const COMMANDS: readonly Command[] = [replCommand, botsCommand, decodeCommand, recordCommand, replayCommand];

const HELP = `Usage: nanokit <command> [options]

A command-line client, bots and packet tools for the nano / pomelo / pinus / pitaya protocol.

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(8)} ${c.summary}`).join('\n')}

Run \`nanokit <command> --help\` for the options of one command. Docs: docs/cli.md`;

/** The real process streams. */
export function processIo(): Io {
  return { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env };
}

/**
 * Runs `nanokit` with the given arguments (without `node` and the script). Resolves with the exit code: 0 success,
 * 1 failure (a failed request in `-f`, a failed expectation, undecodable bytes), 2 usage error.
 */
export async function main(argv: readonly string[], io: Io = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    println(name === undefined ? io.stderr : io.stdout, HELP);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    println(io.stdout, '0.1.0');
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    println(io.stderr, `nanokit: unknown command "${name}"\n\n${HELP}`);
    return 2;
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: rest,
      options: { ...command.options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    println(io.stderr, `nanokit ${name}: ${errorMessage(error)}\n(see nanokit ${name} --help)`);
    return 2;
  }
  if (parsed.values['help'] === true) {
    println(io.stdout, command.usage);
    return 0;
  }
  try {
    return await command.run({ values: parsed.values, positionals: parsed.positionals }, io);
  } catch (error) {
    const code = errorCode(error);
    println(io.stderr, `nanokit ${name}: ${code}: ${errorMessage(error)}`);
    return code === 'ERR_USAGE' ? 2 : 1;
  }
}
