/**
 * A generator of increasing snowflake ids (bwmarrin/snowflake's layout, as nano 0.5's session ids): milliseconds
 * since the Twitter epoch << 22 | node << 12 | sequence.
 */
export function snowflakeIds(options?: {
  /** 0–1023. @default process.pid % 1000 (nano's default) */
  node?: number;
  /** The clock, in Unix ms. @default Date.now */
  now?: () => number;
}): () => bigint;
