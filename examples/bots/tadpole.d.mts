import type { PondLink } from '../tadpole/web/link.js';

/** Options of {@link startTadpoleBots}. */
export interface TadpoleBotOptions {
  /** How many bots. */
  count: number;
  /** nano's WebSocket endpoint of the pond, e.g. `ws://127.0.0.1:23456/`. */
  wsUrl: string;
  /** Position updates per second and bot, at most 20. @default 10 */
  rate?: number;
  /** The largest circle a bot swims, in px around the pond's middle. @default 220 */
  radius?: number;
}

/** What the bots did. */
export interface TadpoleBotSummary {
  bots: number;
  inWorld: number;
  rate: number;
  seconds: number;
  sent: number;
  heardLastSecondMin: number;
  heardLastSecondMax: number;
  errors: string[];
}

/** Swimming bots (see {@link startTadpoleBots}). */
export interface TadpoleBots {
  bots: PondLink[];
  errors: string[];
  /** Updates sent so far. */
  sent(): number;
  /** Stops swimming, closes every bot and resolves the summary. */
  stop(): Promise<TadpoleBotSummary>;
}

/** Starts N bots that enter the pond and swim in circles until `stop()`. */
export function startTadpoleBots(options: TadpoleBotOptions): Promise<TadpoleBots>;
/** Runs the bots for `seconds`. */
export function runTadpoleBots(options: TadpoleBotOptions & { seconds: number }): Promise<TadpoleBotSummary>;
/** The summary as console lines. */
export function formatTadpoleSummary(summary: TadpoleBotSummary): string;
