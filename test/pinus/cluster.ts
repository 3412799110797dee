/**
 * Starts and stops a real pinus 1.7.4 cluster (test/pinus/game-server, pinus from npm through the `test/pinus`
 * workspace): a master, a frontend `connector` (hybridconnector: WS and raw TCP on one client port) and a backend
 * `chat` server reached by rpc, on free ports. Every pinus port listens on all interfaces; clients connect to
 * 127.0.0.1 only.
 *
 * The app base is a temp dir per cluster: `config/` holds the fixture's static files plus the generated
 * `servers.json`, `master.json` (ports) and `nanokit.json` (options), and `app` links to the fixture's handlers, so
 * several clusters (test files) run side by side.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  decodeMessage,
  encodeDataPacket,
  encodeHandshakeRequest,
  encodePacket,
  MessageType,
  PacketReader,
  PacketType,
  parseHandshakeResponse,
  type RouteDictionary,
} from '@nanokit/protocol';

const GAME_SERVER = fileURLToPath(new URL('./game-server/', import.meta.url));
const STATIC_CONFIG = [
  'adminServer.json',
  'adminUser.json',
  'dictionary.json',
  'serverProtos.json',
  'clientProtos.json',
];

/** Options of {@link startPinusCluster}: the connector's `connectorConfig`. */
export interface PinusClusterOptions {
  /** `connectorConfig.heartbeat` in seconds; 0 configures none (pinus then omits `sys.heartbeat`). @default 2 */
  heartbeat?: number;
  /** `connectorConfig.useDict`: route dictionary in the handshake, compressed push routes. @default true */
  useDict?: boolean;
  /** `connectorConfig.useProtobuf`: `sys.protos` in the handshake, protobuf bodies on the proto routes. @default true */
  useProtobuf?: boolean;
  /** Time allowed for the cluster to answer a backend request after a (re)start, in ms. @default 20000 */
  startTimeout?: number;
}

/** A running cluster. */
export interface PinusCluster {
  /** The connector's client port (WS and TCP). */
  readonly port: number;
  /** `ws://127.0.0.1:<port>` */
  readonly wsUrl: string;
  /** `tcp://127.0.0.1:<port>` */
  readonly tcpUrl: string;
  /** Every port of the cluster (master, connector rpc, client, chat rpc). */
  readonly ports: readonly number[];
  /** The app base (config/, app → fixture handlers, master.log). */
  readonly base: string;
  /** Stops every process and starts the cluster again on the same ports; resolves once it answers. */
  restart(): Promise<void>;
  /** Stops every process (children first) and waits until every port refuses connections. Idempotent. */
  stop(): Promise<void>;
  /** Master output so far (the children's output is piped through it in `development`). */
  log(): string;
}

/** A free TCP port, checked on all interfaces as pinus binds them. */
async function freePort(taken: Set<number>): Promise<number> {
  for (;;) {
    const server = createServer();
    server.listen(0);
    await once(server, 'listening');
    const { port } = server.address() as { port: number };
    server.close();
    await once(server, 'close');
    if (!taken.has(port)) {
      taken.add(port);
      return port;
    }
  }
}

/** Resolves true when `port` on 127.0.0.1 accepts a connection. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Whether a process of group `pgid` still runs. Zombies do not count: the cluster's children are reparented when the
 * master dies, and whoever adopts them (PID 1 in a container) may reap them late or never.
 */
function groupAlive(pgid: number): boolean {
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    // No procfs (not Linux): ask the kernel about the group, zombies included.
    try {
      process.kill(-pgid, 0);
      return true;
    } catch {
      return false;
    }
  }
  for (const pid of entries) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    // "pid (comm) state ppid pgrp …": comm may hold spaces and parentheses, so split after the last ')'.
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === pgid && state !== 'Z' && state !== 'X') return true;
  }
  return false;
}

/**
 * One raw TCP round trip through the whole cluster: handshake, ack, request `chat.chatHandler.ping` (routed to the
 * backend by rpc). Resolves true on a 200 answer within `ms`.
 */
function probe(port: number, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const reader = new PacketReader();
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), ms);
    socket.once('error', () => done(false));
    socket.once('close', () => done(false));
    socket.once('connect', () =>
      socket.write(encodePacket(PacketType.Handshake, encodeHandshakeRequest({ type: 'nanokit-probe' }))),
    );
    let dictionary: RouteDictionary | undefined;
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const { type, body } of reader.push(chunk)) {
          if (type === PacketType.Handshake) {
            dictionary = parseHandshakeResponse(body).dictionary;
            socket.write(encodePacket(PacketType.HandshakeAck));
            socket.write(
              encodeDataPacket({ type: MessageType.Request, id: 1, route: 'chat.chatHandler.ping', body: '{}' }),
            );
          } else if (type === PacketType.Data) {
            const msg = decodeMessage(body, { dictionary });
            const reply = JSON.parse(new TextDecoder().decode(msg.body)) as { code?: unknown };
            done(msg.id === 1 && reply.code === 200);
          }
        }
      } catch {
        done(false);
      }
    });
  });
}

/** Starts a cluster; resolves once a request through the connector reaches the backend and is answered. */
export async function startPinusCluster(options: PinusClusterOptions = {}): Promise<PinusCluster> {
  try {
    createRequire(join(GAME_SERVER, 'app.js')).resolve('pinus');
  } catch (cause) {
    // Never a skip: the live tests are the point of the fixture.
    throw new Error('pinus is not installed: run `npm ci` at the root (test/pinus is an npm workspace)', { cause });
  }
  try {
    return await launch(options);
  } catch (error) {
    // A port found free can be taken by another test before pinus binds it: once more, on other ports.
    if (!(error as { retry?: boolean }).retry) throw error;
    return launch(options);
  }
}

async function launch(options: PinusClusterOptions): Promise<PinusCluster> {
  const { heartbeat = 2, useDict = true, useProtobuf = true, startTimeout = 20_000 } = options;
  const taken = new Set<number>();
  const [masterPort, connectorPort, clientPort, chatPort] = [
    await freePort(taken),
    await freePort(taken),
    await freePort(taken),
    await freePort(taken),
  ];
  const ports = [masterPort, connectorPort, clientPort, chatPort];

  const base = mkdtempSync(join(tmpdir(), 'nanokit-pinus-'));
  mkdirSync(join(base, 'config'));
  for (const file of STATIC_CONFIG) copyFileSync(join(GAME_SERVER, 'config', file), join(base, 'config', file));
  symlinkSync(join(GAME_SERVER, 'app'), join(base, 'app'), 'dir');
  const write = (file: string, value: unknown) =>
    writeFileSync(join(base, 'config', file), JSON.stringify(value, null, 2));
  write('nanokit.json', { heartbeat, useDict, useProtobuf });
  write('master.json', { development: { id: 'master-server-1', host: '127.0.0.1', port: masterPort } });
  write('servers.json', {
    development: {
      connector: [
        {
          id: 'connector-server-1',
          host: '127.0.0.1',
          port: connectorPort,
          clientHost: '127.0.0.1',
          clientPort,
          frontend: true,
        },
      ],
      chat: [{ id: 'chat-server-1', host: '127.0.0.1', port: chatPort }],
    },
  });
  const logFile = join(base, 'master.log');
  writeFileSync(logFile, '');

  let master: ChildProcess | undefined;
  let orphanGuard = () => {};
  let stopped = false;

  /** Kills the group; `waitPorts`: also waits until every port refuses (not after a failed start: a port may be
   * held by another process, which is why the start failed). */
  const stopProcesses = async (waitPorts = true) => {
    const child = master;
    master = undefined;
    if (!child || child.pid === undefined) return;
    const pgid = child.pid;
    // pinus has no SIGTERM handler and its children outlive a killed master; in `development` they share the
    // master's process group, so the whole group goes at once (children included).
    try {
      process.kill(-pgid, 'SIGTERM');
    } catch {
      // Already gone.
    }
    const deadline = Date.now() + 10_000;
    while (groupAlive(pgid) && Date.now() < deadline) await sleep(50);
    if (groupAlive(pgid)) {
      process.kill(-pgid, 'SIGKILL');
      while (groupAlive(pgid)) await sleep(50);
    }
    process.off('exit', orphanGuard);
    // A restart over ports still held gives EADDRINUSE on the rpc ports and a connector that answers handshakes
    // while every rpc fails: wait until every port refuses.
    for (const port of waitPorts ? ports : []) {
      while (await accepts(port)) {
        if (Date.now() > deadline) throw new Error(`pinus port ${port} still open after stop`);
        await sleep(50);
      }
    }
  };

  const startProcesses = async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, NANOKIT_PINUS_BASE: base };
    // The environment comes from `env=`, else NODE_ENV (vitest sets `test`, which has no config key): pass it.
    delete env['NODE_ENV'];
    const child = spawn(process.execPath, [join(GAME_SERVER, 'app.js'), 'env=development'], {
      cwd: base,
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    master = child;
    // The group is detached: if the test process dies before stop(), take the cluster down with it.
    orphanGuard = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    };
    process.once('exit', orphanGuard);
    // The children's output goes through the master: drain it, or a full pipe stalls the cluster.
    const append = (chunk: Buffer) => writeFileSync(logFile, chunk, { flag: 'a' });
    child.stdout!.on('data', append);
    child.stderr!.on('data', append);
    const deadline = Date.now() + startTimeout;
    while (!(await probe(clientPort, 1000))) {
      const log = readFileSync(logFile, 'utf8');
      // A port taken meanwhile fails one server and leaves the rest waiting: give up at once.
      const taken = log.includes('EADDRINUSE');
      if (taken || child.exitCode !== null || Date.now() > deadline) {
        const tail = log.slice(-4000);
        const why = taken
          ? 'a port is in use (EADDRINUSE)'
          : child.exitCode !== null
            ? `its master exited with code ${child.exitCode}`
            : `no answer in ${startTimeout} ms`;
        await stopProcesses(false);
        // A port taken by another process between freePort() and pinus' listen: a busy master port makes the master
        // exit at once (code 0, nothing logged), a busy rpc or client port logs EADDRINUSE.
        throw Object.assign(new Error(`pinus cluster did not start: ${why}; master log tail:\n${tail}`), {
          retry: taken || child.exitCode !== null,
        });
      }
      await sleep(200);
    }
  };

  try {
    await startProcesses();
  } catch (error) {
    rmSync(base, { recursive: true, force: true });
    throw error;
  }
  return {
    port: clientPort,
    wsUrl: `ws://127.0.0.1:${clientPort}`,
    tcpUrl: `tcp://127.0.0.1:${clientPort}`,
    ports,
    base,
    restart: async () => {
      if (stopped) throw new Error('cluster stopped');
      await stopProcesses();
      await startProcesses();
    },
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await stopProcesses();
      rmSync(base, { recursive: true, force: true });
    },
    log: () => readFileSync(logFile, 'utf8'),
  };
}
