/**
 * The workload every benchmark phase shares, so that the nanokit stack and the raw `ws` ceiling exchange the
 * same frames.
 * @module
 */

/** Component name registered on server-lite for the request/response test. */
export const ECHO_COMPONENT = 'bench';
/** Route of the request/response test: `<component>.<method>`, the method echoes its body. */
export const ECHO_ROUTE = 'bench.echo';
/** The ~50-byte JSON request body (the codec benchmark's case (a)); the server answers with the same object. */
export const ECHO_BODY = Object.freeze({ roomId: 42, name: 'alice', pos: Object.freeze({ x: 1.5, y: -2 }) });

/** Component name of the nano-style ping test, as in nano's benchmark/io (`TestHandler.Ping`). */
export const PING_COMPONENT = 'TestHandler';
/**
 * Route of the nano-style ping notify. nano's benchmark sends an empty protobuf (vector V14: a 22-byte
 * packet); with JSON the empty message is `{}`, so pings are 24-byte packets.
 */
export const PING_ROUTE = 'TestHandler.Ping';
/** Body of a ping, and of its pong: the empty JSON object. */
export const PING_BODY = Object.freeze({});
/** Route of the push the server answers each ping with (V15, with a `{}` body: a 12-byte packet). */
export const PONG_ROUTE = 'pong';
/** Pause between two pings of one client, as in nano's benchmark (the ceiling is 100 pings/s per client). */
export const PING_INTERVAL_MS = 10;

/**
 * Heartbeat interval of the benchmark servers: long enough that no heartbeat or idle timeout fires during a phase
 * (the drivers never send heartbeats, like nano's Go benchmark client).
 */
export const BENCH_HEARTBEAT_MS = 120_000;

/** The URL path the WebSocket servers listen on. */
export const WS_PATH = '/nano';
