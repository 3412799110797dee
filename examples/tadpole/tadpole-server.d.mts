/** A running pond (see tadpole-server.mjs). */
export interface TadpoleServer {
  /** The page, e.g. `http://127.0.0.1:23456/`. */
  url: string;
  /** The nano WebSocket endpoint, e.g. `ws://127.0.0.1:23456/` (every path is accepted, as by nano). */
  wsUrl: string;
  port: number;
  host: string;
  /** What the world has relayed: `World.Update` and `World.Message` notifies, and notifies dropped as invalid. */
  stats: { updates: number; messages: number; dropped: number };
  /** Sessions in the world group. */
  players(): number;
  /**
   * Stops the server. By default it drops every WebSocket client without a Kick (like a killed process: they
   * reconnect); with `graceful` server-lite kicks them with the reason "server shutdown" first.
   */
  close(options?: { graceful?: boolean }): Promise<void>;
}

export interface TadpoleServerOptions {
  /** @default 23456 (nano's tadpole port; 0 picks a free port) */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** Heartbeat interval in ms. @default 10000 */
  heartbeat?: number;
  /** No server log lines (tests). @default false */
  quiet?: boolean;
  /** The snowflake id generator: node id (0-1023) and clock. @default node = pid % 1000, Date.now */
  snowflake?: { node?: number; now?: () => number };
}

/** Starts the pond: the page on `/`, nano's WebSocket endpoint on every other upgrade. */
export function startTadpoleServer(options?: TadpoleServerOptions): Promise<TadpoleServer>;
