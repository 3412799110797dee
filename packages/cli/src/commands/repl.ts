/**
 * `nanokit repl <url>`: an interactive session (readline: history file, tab completion, pushes printed above the
 * line being typed), or a script from `-f FILE` / stdin.
 * @packageDocumentation
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { CONNECT_HELP, CONNECT_OPTIONS, checkUrl, clientOptions } from '../client-options.js';
import { type Command, type Io, println, str } from '../command.js';
import { complete, helpText, ReplSession } from '../repl/session.js';
import { PLAIN, paint, styleFor } from '../style.js';

const HISTORY_SIZE = 500;

/** The history file: `--history`, else `$NANOKIT_HISTORY`, else `~/.nanokit_history`. */
function historyPath(io: Io, flag: string | undefined): string {
  return flag ?? io.env['NANOKIT_HISTORY'] ?? path.join(os.homedir(), '.nanokit_history');
}

function loadHistory(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean).reverse().slice(0, HISTORY_SIZE);
  } catch {
    return [];
  }
}

export const replCommand: Command = {
  name: 'repl',
  summary: 'an interactive client: request, notify, watch pushes (or run a script with -f)',
  usage: `Usage: nanokit repl [URL] [options]

Connects to URL (ws://host:port/path, wss://…, tcp://host:port) and reads commands: typed at a terminal (history,
Tab completes commands and routes), from -f FILE, or piped on stdin.

Commands:
${helpText()}

Options:
${CONNECT_HELP}
  -f, --file FILE        run the commands of FILE, stop at the first failure (exit code 1), then exit
      --json             print JSON lines: {"event":"response"|"push"|"error"|…}
      --history FILE     history file (default $NANOKIT_HISTORY or ~/.nanokit_history)
  -h, --help             this help`,
  options: {
    ...CONNECT_OPTIONS,
    file: { type: 'string', short: 'f' },
    json: { type: 'boolean' },
    history: { type: 'string' },
  },
  async run(args, io) {
    const url = args.positionals[0] === undefined ? undefined : checkUrl(args.positionals[0]);
    const connect = await clientOptions(args);
    const json = args.values['json'] === true;
    const file = str(args, 'file');
    const interactive = file === undefined && io.stdin.isTTY === true && io.stdout.isTTY === true;
    const style = json ? PLAIN : styleFor(io.stdout, io.env);
    let rl: readline.Interface | undefined;
    const write = (line: string) => {
      if (!rl) return println(io.stdout, line);
      // Above the line being typed: clear it, print, then redraw the prompt with the partial input.
      readline.clearLine(io.stdout as NodeJS.WritableStream & NodeJS.WriteStream, 0);
      readline.cursorTo(io.stdout as NodeJS.WritableStream & NodeJS.WriteStream, 0);
      io.stdout.write(`${line}\n`);
      rl.prompt(true);
    };
    const session = new ReplSession({ url, connect, style, json, write });
    try {
      if (!interactive) {
        const lines =
          file === undefined
            ? // The iterator is taken at once: lines read while connecting would be lost otherwise.
              readline.createInterface({ input: io.stdin, terminal: false })[Symbol.asyncIterator]()
            : (await readFile(file, 'utf8')).split('\n');
        return await script(session, url !== undefined, lines, file !== undefined, (line) => {
          if (!json) println(io.stdout, paint(style, 'dim', `> ${line}`));
        });
      }
      const history = historyPath(io, str(args, 'history'));
      rl = readline.createInterface({
        input: io.stdin,
        output: io.stdout,
        terminal: true,
        prompt: paint(style, 'cyan', 'nanokit> '),
        history: loadHistory(history),
        historySize: HISTORY_SIZE,
        removeHistoryDuplicates: true,
        completer: (line: string) => complete(line, session.routes()),
      });
      rl.on('history', (lines: string[]) => {
        try {
          writeFileSync(history, `${[...lines].reverse().join('\n')}\n`);
        } catch {
          // an unwritable history file must not end the session
        }
      });
      rl.on('SIGINT', () => {
        if (rl?.line) {
          rl.write(null, { ctrl: true, name: 'u' });
          rl.prompt();
        } else rl?.close();
      });
      if (url !== undefined) await session.run('connect');
      rl.prompt();
      for await (const line of rl) {
        await session.run(line);
        if (session.quitting) break;
        rl.prompt();
      }
      rl.close();
      return 0;
    } finally {
      session.close();
    }
  },
};

/**
 * Runs script lines in order. A file stops at the first failure; piped stdin goes on and fails at the end.
 * Resolves with the exit code.
 */
async function script(
  session: ReplSession,
  connect: boolean,
  lines: AsyncIterableIterator<string> | string[],
  stopOnFailure: boolean,
  echo: (line: string) => void,
): Promise<number> {
  let failed = false;
  if (connect && !(await session.run('connect'))) return 1;
  for await (const raw of lines) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    echo(line);
    if (!(await session.run(line))) {
      failed = true;
      if (stopOnFailure) break;
    }
    if (session.quitting) break;
  }
  return failed ? 1 : 0;
}
