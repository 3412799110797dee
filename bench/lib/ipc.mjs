/**
 * Parent ↔ child plumbing for the benchmark processes: the parent spawns each server and each load driver in its
 * own Node process and talks to it over the IPC channel with numbered commands; the child answers each command
 * and may also emit unsolicited events (the driver's measurement-window marks).
 * @module
 */
import { spawn } from 'node:child_process';

/**
 * @typedef {object} ChildHandle
 * @property {number} pid
 * @property {Promise<any>} ready resolves with the child's `ready` event payload
 * @property {(cmd: string, args?: unknown, timeoutMs?: number) => Promise<any>} call sends a command, resolves with the answer
 * @property {(event: string, listener: (data: any) => void) => void} on listens to a child event
 * @property {Promise<number | null>} exited resolves with the exit code
 * @property {() => void} kill SIGKILLs the child (if still running)
 */

/** The shell prelude of every benchmark child: raise the fd limit, renice per `BENCH_NICE`, then exec the command. */
export const CHILD_PRELUDE =
  'ulimit -n "$(ulimit -Hn)" 2>/dev/null || ulimit -n 65536 2>/dev/null; [ -z "$BENCH_NICE" ] || renice -n "$BENCH_NICE" -p $$ >/dev/null 2>&1; exec "$@"';

/**
 * Spawns `node [execArgv] script [args]` with an IPC channel. On POSIX the child goes through `sh` first to raise its
 * soft file-descriptor limit to the hard limit (1000 sockets + 1000 peers must fit) and, when the environment has
 * `BENCH_NICE`, to renice itself (a negative value needs root; failures are ignored), then `exec`s node.
 * @param {string} script absolute path of the child's entry module
 * @param {string[]} [args]
 * @param {{execArgv?: string[], cwd?: string, env?: NodeJS.ProcessEnv}} [options]
 * @returns {ChildHandle}
 */
export function spawnChild(script, args = [], options = {}) {
  const nodeArgs = [...(options.execArgv ?? []), script, ...args];
  const stdio = /** @type {const} */ (['ignore', 'inherit', 'inherit', 'ipc']);
  const spawnOptions = { stdio: [...stdio], cwd: options.cwd, env: options.env ?? process.env };
  const child =
    process.platform === 'win32'
      ? spawn(process.execPath, nodeArgs, spawnOptions)
      : spawn('sh', ['-c', CHILD_PRELUDE, 'sh', process.execPath, ...nodeArgs], spawnOptions);
  /** @type {Map<number, {resolve: (v: any) => void, reject: (e: Error) => void, timer: NodeJS.Timeout | undefined}>} */
  const pending = new Map();
  /** @type {Map<string, Array<(data: any) => void>>} */
  const listeners = new Map();
  let nextId = 1;
  let exitCode = /** @type {number | null | undefined} */ (undefined);

  const exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      exitCode = code ?? (signal ? -1 : null);
      for (const p of pending.values()) {
        if (p.timer) clearTimeout(p.timer);
        p.reject(new Error(`${script} exited (code ${code}, signal ${signal}) before answering`));
      }
      pending.clear();
      resolve(exitCode);
    });
  });

  const ready = new Promise((resolve, reject) => {
    const onReady = (/** @type {any} */ data) => resolve(data);
    listeners.set('ready', [onReady]);
    listeners.set('fatal', [(data) => reject(new Error(`${script}: ${data?.message ?? 'failed'}`))]);
    void exited.then((code) => reject(new Error(`${script} exited (code ${code}) before it was ready`)));
  });

  child.on('message', (/** @type {any} */ msg) => {
    if (msg && typeof msg.id === 'number') {
      const p = pending.get(msg.id);
      if (!p) return;
      pending.delete(msg.id);
      if (p.timer) clearTimeout(p.timer);
      if (msg.ok) p.resolve(msg.result);
      else p.reject(new Error(`${msg.error ?? 'command failed'}`));
    } else if (msg && typeof msg.event === 'string') {
      for (const fn of listeners.get(msg.event) ?? []) fn(msg.data);
    }
  });

  return {
    pid: /** @type {number} */ (child.pid),
    ready,
    exited,
    call(cmd, args, timeoutMs = 120_000) {
      if (exitCode !== undefined) return Promise.reject(new Error(`${script} has exited`));
      const id = nextId++;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`${script}: command "${cmd}" timed out after ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(id, { resolve, reject, timer });
        child.send({ id, cmd, args });
      });
    },
    on(event, listener) {
      const list = listeners.get(event) ?? [];
      list.push(listener);
      listeners.set(event, list);
    },
    kill() {
      if (exitCode === undefined) child.kill('SIGKILL');
    },
  };
}

/**
 * Child side: answers the parent's commands with `handlers[cmd](args)`. A handler may be async; its result must be
 * structured-cloneable. Errors are sent back as messages, never crash the child.
 * @param {Record<string, (args: any) => unknown>} handlers
 */
export function serveCommands(handlers) {
  process.on('message', async (/** @type {any} */ msg) => {
    if (!msg || typeof msg.id !== 'number') return;
    const handler = handlers[msg.cmd];
    try {
      if (!handler) throw new Error(`unknown command ${msg.cmd}`);
      const result = await handler(msg.args);
      process.send?.({ id: msg.id, ok: true, result });
    } catch (error) {
      process.send?.({
        id: msg.id,
        ok: false,
        error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      });
    }
  });
}

/**
 * Child side: emits an event to the parent.
 * @param {string} event
 * @param {unknown} [data]
 */
export function emit(event, data) {
  process.send?.({ event, data });
}
