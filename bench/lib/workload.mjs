/**
 * What every phase exchanges, so that the nanokit stacks and the raw `ws` ceiling send the same frames, and the
 * server × driver stacks that are compared.
 * @module
 */

/** `bench.echo` answers a request with its body: the ~50-byte body of the codec benchmark's case (a). */
export const ECHO_ROUTE = 'bench.echo';
export const ECHO_BODY = Object.freeze({ roomId: 42, name: 'alice', pos: Object.freeze({ x: 1.5, y: -2 }) });
/** nano's benchmark/io: notify `TestHandler.Ping` (`{}`), sleep 10 ms, repeat; the server pushes `pong` (`{}`). */
export const PING_ROUTE = 'TestHandler.Ping';
export const PING_BODY = Object.freeze({});
export const PONG_ROUTE = 'pong';
export const PING_INTERVAL_MS = 10;
/** No heartbeat or idle timeout fires during a phase (the drivers, like nano's Go client, never send one). */
export const BENCH_HEARTBEAT_MS = 120_000;
export const WS_PATH = '/nano';
/** Longest wait for the last outstanding request when a load stops. */
export const DRAIN_TIMEOUT_MS = 5000;

/** Resolves when `promise` settles or after `ms`, whichever comes first; never rejects. */
export function settleWithin(promise, ms) {
  /** @type {NodeJS.Timeout | undefined} */
  let timer;
  const late = new Promise((resolve) => (timer = setTimeout(resolve, ms)));
  return Promise.race([promise, late])
    .catch(() => {})
    .finally(() => clearTimeout(timer));
}

/**
 * The stacks under load. `reqresOnly`: a reference for the request/response ratios, not run in the ping and profile
 * phases.
 * @typedef {'client-lite' | 'raw-lite' | 'raw-await-lite' | 'raw-ws'} StackId
 */
export const STACKS = Object.freeze([
  { id: 'client-lite', server: 'lite', driver: 'client', label: 'server-lite ← @nanokit/client' },
  { id: 'raw-lite', server: 'lite', driver: 'raw', label: 'server-lite ← hand-rolled driver' },
  {
    id: 'raw-await-lite',
    server: 'lite',
    driver: 'raw-await',
    label: 'server-lite ← hand-rolled driver, awaiting a Promise per request',
    reqresOnly: true,
  },
  { id: 'raw-ws', server: 'ws', driver: 'raw-ws', label: 'raw ws echo (ceiling) ← hand-rolled driver' },
]);
