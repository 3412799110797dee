/**
 * The REPL's commands over one {@link NanoClient}, independent of the terminal: `run(line)` executes a command
 * line and reports through `write`, which the terminal front end turns into lines that do not break the one being
 * typed.
 * @packageDocumentation
 */
import { NanoClient } from '@nanokit/client';
import type { ConnectOptions } from '../client-options.js';
import { CliError, errorCode, errorMessage } from '../errors.js';
import { clock, formatValue, paint, type Style } from '../style.js';

/** What the REPL prints, as JSON with `--json`. */
export type ReplEvent = { event: string } & Record<string, unknown>;

/** Options of {@link ReplSession}. */
export interface ReplSessionOptions {
  /** The server to `connect` to when the command names none. */
  url?: string | undefined;
  /** Client options (handshake user data, timeout) and the serializer factory. */
  connect: ConnectOptions;
  style: Style;
  /** Print JSON lines instead of text. */
  json: boolean;
  /** Writes one line of output. */
  write: (line: string) => void;
}

interface CommandSpec {
  args: string;
  help: string;
  /** Its argument is a route: tab completion offers routes. */
  route?: boolean;
}

/** The commands, with their aliases resolved by {@link ALIASES}. */
export const REPL_COMMANDS: Readonly<Record<string, CommandSpec>> = {
  connect: { args: '[url]', help: 'open the connection (to the URL given at start, or this one)' },
  request: { args: '<route> [json]', help: 'send a request and print the response', route: true },
  notify: { args: '<route> [json]', help: 'send a notify', route: true },
  on: { args: '[route]', help: 'print pushes of this route (no route: of every route, the default)', route: true },
  off: { args: '[route]', help: 'stop printing pushes of this route (no route: of every route)', route: true },
  wait: { args: '<route> [ms]', help: 'wait for a push of this route (scripts), fail after ms', route: true },
  sleep: { args: '<ms>', help: 'pause (scripts)' },
  handshake: { args: '', help: "print the server's handshake reply" },
  close: { args: '', help: 'close the connection' },
  help: { args: '', help: 'this list' },
  quit: { args: '', help: 'leave (also exit, Ctrl+D)' },
};

/** Short forms. */
export const ALIASES: Readonly<Record<string, string>> = { req: 'request', r: 'request', n: 'notify', exit: 'quit' };

const MAX_BUFFERED_PUSHES = 1000;

/** One REPL session. */
export class ReplSession {
  /** Set by `quit`. */
  quitting = false;
  private client: NanoClient | undefined;
  private url: string | undefined;
  private readonly usedRoutes = new Set<string>();
  private watchAll = true;
  private readonly watched = new Set<string>();
  private readonly muted = new Set<string>();
  /** Pushes not yet consumed by `wait`. */
  private readonly buffered: { route: string; body: unknown }[] = [];
  private readonly waiters = new Set<{ route: string; resolve: (body: unknown) => void }>();

  constructor(private readonly options: ReplSessionOptions) {
    this.url = options.url;
  }

  /** Routes for completion: the handshake's dictionary, then every route used or pushed in this session. */
  routes(): string[] {
    const dict = this.client?.handshake?.dict;
    return [...new Set([...Object.keys(dict ?? {}), ...this.usedRoutes])].sort();
  }

  /** Executes one command line. Resolves false when the command failed (reported already). */
  async run(line: string): Promise<boolean> {
    const text = line.trim();
    if (text === '' || text.startsWith('#')) return true;
    const [word = '', rest = ''] = splitFirst(text);
    const name = ALIASES[word] ?? word;
    try {
      await this.execute(name, rest);
      return true;
    } catch (error) {
      this.emit({ event: 'error', command: name, code: errorCode(error), message: errorMessage(error) }, () =>
        paint(this.options.style, 'red', `error ${errorCode(error)}: ${errorMessage(error)}`),
      );
      return false;
    }
  }

  /** Closes the connection. */
  close(): void {
    this.client?.close();
  }

  private async execute(name: string, rest: string): Promise<void> {
    const style = this.options.style;
    switch (name) {
      case 'connect':
        return this.connect(rest === '' ? this.url : rest);
      case 'request': {
        const [route, body] = this.routeAndBody(rest);
        const started = performance.now();
        const response = await this.open().request(route, body);
        const ms = Math.round((performance.now() - started) * 10) / 10;
        this.emit({ event: 'response', route, ms, body: response }, () =>
          [paint(style, 'green', 'response'), paint(style, 'blue', route), paint(style, 'dim', `${ms}ms`)]
            .concat(response === undefined ? [] : [formatValue(style, response)])
            .join(' '),
        );
        return;
      }
      case 'notify': {
        const [route, body] = this.routeAndBody(rest);
        this.open().notify(route, body);
        this.emit({ event: 'notified', route }, () => `${paint(style, 'dim', 'notified')} ${route}`);
        return;
      }
      case 'on':
      case 'off':
        return this.watch(name === 'on', rest);
      case 'wait':
        return this.wait(rest);
      case 'sleep': {
        const ms = Number(rest);
        if (rest === '' || !Number.isFinite(ms) || ms < 0) throw badCommand(`sleep needs milliseconds, got "${rest}"`);
        await new Promise((resolve) => setTimeout(resolve, ms));
        return;
      }
      case 'handshake': {
        const hs = this.client?.handshake;
        if (!hs) throw badCommand('no handshake yet: connect first');
        this.emit({ event: 'handshake', handshake: hs.raw }, () => formatValue(style, hs.raw));
        return;
      }
      case 'close':
        if (!this.client) throw badCommand('not connected');
        this.client.close();
        this.client = undefined;
        return;
      case 'help':
        this.emit({ event: 'help', commands: Object.keys(REPL_COMMANDS) }, () => helpText());
        return;
      case 'quit':
        this.quitting = true;
        return;
      default:
        throw badCommand(`unknown command "${name}" (try help)`);
    }
  }

  private async connect(url: string | undefined): Promise<void> {
    if (url === undefined) throw badCommand('connect needs a URL');
    if (!/^(wss?|tcp):\/\/./i.test(url)) throw badCommand(`the URL must start with ws://, wss:// or tcp://: ${url}`);
    this.client?.close();
    this.url = url;
    const { client: options, serializer } = this.options.connect;
    const client = new NanoClient({ ...options, serializer: serializer(), url });
    this.client = client;
    const style = this.options.style;
    client.on('push', ({ route, body }) => this.push(route, body));
    client.on('disconnect', ({ code, reason }) => {
      if (reason === 'client-close') return;
      this.emit({ event: 'disconnected', code, reason }, () =>
        paint(style, 'yellow', `disconnected ${code} ${reason}`),
      );
    });
    client.on('kick', ({ reason }) => {
      this.emit({ event: 'kick', reason }, () => paint(style, 'yellow', `kicked${reason ? `: ${reason}` : ''}`));
    });
    // Until the handshake, a failure is the rejection of connect(): the socket's own error event would repeat it.
    let connected = false;
    client.on('error', (error) => {
      if (!connected) return;
      this.emit({ event: 'error', code: errorCode(error), message: errorMessage(error) }, () =>
        paint(style, 'red', `error ${errorCode(error)}: ${errorMessage(error)}`),
      );
    });
    let hs: Awaited<ReturnType<NanoClient['connect']>>;
    try {
      hs = await client.connect();
      connected = true;
    } catch (error) {
      if (this.client === client) this.client = undefined;
      throw error;
    }
    const routes = hs.dict ? Object.keys(hs.dict).length : 0;
    this.emit({ event: 'connected', url, heartbeat: hs.heartbeat, routes }, () =>
      paint(style, 'dim', `connected to ${url} (heartbeat ${hs.heartbeat}s, ${routes} routes in the dictionary)`),
    );
  }

  private open(): NanoClient {
    if (this.client?.state !== 'open') throw badCommand('not connected: connect first');
    return this.client as NanoClient;
  }

  private routeAndBody(rest: string): [string, unknown] {
    const [route = '', json = ''] = splitFirst(rest);
    if (route === '') throw badCommand('missing route');
    let body: unknown;
    if (json !== '') {
      try {
        body = JSON.parse(json);
      } catch (error) {
        throw badCommand(`the body is not JSON: ${errorMessage(error)}`);
      }
    }
    this.usedRoutes.add(route);
    return [route, body];
  }

  private watch(on: boolean, route: string): void {
    if (route === '') {
      this.watchAll = on;
      this.watched.clear();
      this.muted.clear();
    } else if (on) {
      this.muted.delete(route);
      this.watched.add(route);
      this.usedRoutes.add(route);
    } else {
      this.watched.delete(route);
      this.muted.add(route);
    }
    const what = route === '' ? 'every route' : route;
    this.emit({ event: on ? 'on' : 'off', route }, () =>
      paint(this.options.style, 'dim', `${on ? 'printing' : 'not printing'} pushes of ${what}`),
    );
  }

  private push(route: string, body: unknown): void {
    this.usedRoutes.add(route);
    for (const waiter of this.waiters) {
      if (waiter.route === route) {
        this.waiters.delete(waiter);
        waiter.resolve(body);
        this.print(route, body);
        return;
      }
    }
    this.buffered.push({ route, body });
    if (this.buffered.length > MAX_BUFFERED_PUSHES) this.buffered.shift();
    this.print(route, body);
  }

  private print(route: string, body: unknown): void {
    if (this.muted.has(route) || !(this.watchAll || this.watched.has(route))) return;
    const style = this.options.style;
    const now = new Date();
    this.emit({ event: 'push', time: now.toISOString(), route, body }, () =>
      [paint(style, 'dim', clock(now)), paint(style, 'magenta', 'push'), paint(style, 'blue', route)]
        .concat(body === undefined ? [] : [formatValue(style, body)])
        .join(' '),
    );
  }

  private async wait(rest: string): Promise<void> {
    const [route = '', msText = ''] = splitFirst(rest);
    if (route === '') throw badCommand('wait needs a route');
    const ms = msText === '' ? (this.options.connect.client.requestTimeout ?? 10_000) : Number(msText);
    if (!Number.isFinite(ms) || ms < 0) throw badCommand(`wait: bad timeout "${msText}"`);
    this.usedRoutes.add(route);
    const index = this.buffered.findIndex((p) => p.route === route);
    if (index >= 0) {
      this.buffered.splice(index, 1);
      return;
    }
    this.open();
    await new Promise<void>((resolve, reject) => {
      const waiter = {
        route,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new CliError('ERR_PUSH_TIMEOUT', `no push of ${route} within ${ms} ms`));
      }, ms);
      this.waiters.add(waiter);
    });
  }

  private emit(event: ReplEvent, text: () => string): void {
    this.options.write(this.options.json ? JSON.stringify(event) : text());
  }
}

function badCommand(message: string): CliError {
  return new CliError('ERR_BAD_COMMAND', message);
}

/** `word rest…` → [word, rest]. */
function splitFirst(text: string): [string, string] {
  const m = /^(\S+)\s*([\s\S]*)$/.exec(text.trim());
  return m ? [m[1] as string, (m[2] as string).trim()] : ['', ''];
}

/** The `help` text. */
export function helpText(): string {
  const alias = (name: string) =>
    Object.entries(ALIASES)
      .filter(([, full]) => full === name)
      .map(([a]) => a);
  return Object.entries(REPL_COMMANDS)
    .map(([name, spec]) => {
      const aliases = alias(name);
      const head = `${name} ${spec.args}`.trim() + (aliases.length ? ` (${aliases.join(', ')})` : '');
      return `  ${head.padEnd(34)} ${spec.help}`;
    })
    .join('\n');
}

/** Tab completion: command names first, then routes for commands that take one. */
export function complete(line: string, routes: readonly string[]): [string[], string] {
  const m = /^(\s*)(\S*)(\s+)?(\S*)$/.exec(line);
  if (!m) return [[], line];
  const [, , word = '', space, arg = ''] = m;
  if (space === undefined) {
    // Aliases are not offered: `req` would make `request` ambiguous.
    const names = Object.keys(REPL_COMMANDS).filter((n) => n.startsWith(word));
    return [names.map((n) => `${n} `), word];
  }
  const spec = REPL_COMMANDS[ALIASES[word] ?? word];
  if (!spec?.route) return [[], arg];
  return [routes.filter((r) => r.startsWith(arg)).map((r) => `${r} `), arg];
}
