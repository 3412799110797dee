/** Options of {@link runBots}. */
export interface BotOptions {
  /** How many bots. */
  count: number;
  /** Messages each bot sends (one per round). */
  messages: number;
  /** WebSocket endpoint, e.g. `ws://127.0.0.1:3250/nano`. */
  wsUrl?: string | undefined;
  /** TCP endpoint, e.g. `tcp://127.0.0.1:3251`; bots alternate between the endpoints given. */
  tcpUrl?: string | undefined;
  /** Gives up waiting for pushes after this long, in ms. @default 20000 */
  timeoutMs?: number;
}

/** What {@link runBots} measured. */
export interface BotSummary {
  bots: number;
  transports: { ws: number; tcp: number };
  sent: number;
  expectedPerBot: number;
  receivedMin: number;
  receivedMax: number;
  receivedTotal: number;
  joinMsMax: number;
  elapsedMs: number;
  errors: string[];
}

/** Runs the bots against a chat room; failures are counted in `errors`, never thrown (except for bad options). */
export function runBots(options: BotOptions): Promise<BotSummary>;
/** The summary as console lines. */
export function formatSummary(summary: BotSummary): string;
