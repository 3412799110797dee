/** A running chat room (see chat-server.mjs). */
export interface ChatServer {
  /** The page, e.g. `http://127.0.0.1:3250/`. */
  url: string;
  /** The nano WebSocket endpoint, e.g. `ws://127.0.0.1:3250/nano`. */
  wsUrl: string;
  /** nano's raw TCP endpoint, e.g. `tcp://127.0.0.1:3251`, when `tcpPort` was given. */
  tcpUrl: string | undefined;
  port: number;
  host: string;
  /**
   * Stops the server. By default it drops every WebSocket client without a Kick (like a killed process: they
   * reconnect); with `graceful` server-lite kicks them with the reason "server shutdown" first.
   */
  close(options?: { graceful?: boolean }): Promise<void>;
}

export interface ChatServerOptions {
  /** @default 3250 (0 picks a free port) */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** Also listen with nano's raw TCP protocol on this port (0 picks one). @default no TCP endpoint */
  tcpPort?: number;
  /** Heartbeat interval in ms. @default 10000 */
  heartbeat?: number;
  /** No server log lines (tests). @default false */
  quiet?: boolean;
}

/** Starts the chat room: the page on `/`, the WebSocket endpoint on `/nano`. */
export function startChatServer(options?: ChatServerOptions): Promise<ChatServer>;
