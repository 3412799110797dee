/** A running chat room (see chat-server.mjs). */
export interface ChatServer {
  /** The page, e.g. `http://127.0.0.1:3250/`. */
  url: string;
  /** The nano WebSocket endpoint, e.g. `ws://127.0.0.1:3250/nano`. */
  wsUrl: string;
  port: number;
  host: string;
  /** Closes the nano server (dropping every client) and the http server. */
  close(): Promise<void>;
}

export interface ChatServerOptions {
  /** @default 3250 (0 picks a free port) */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** Heartbeat interval in ms. @default 10000 */
  heartbeat?: number;
}

/** Starts the chat room: the page on `/`, the WebSocket endpoint on `/nano`. */
export function startChatServer(options?: ChatServerOptions): Promise<ChatServer>;
