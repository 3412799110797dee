// Snowflake ids, the kind nano 0.5 gives its sessions (bwmarrin/snowflake's layout): milliseconds since the Twitter
// epoch in the high 41 bits, a 10-bit node id, a 12-bit sequence within the millisecond. Today they are near 2.1e18,
// far above 2^53 (9.0e15), where a JavaScript number keeps only every 256th integer: two ids made in the same
// millisecond differ in their low bits and become one number. That is what the page must survive.

/** bwmarrin/snowflake's default epoch (Twitter's), in Unix milliseconds. */
const EPOCH = 1288834974657n;
const NODE_BITS = 10n;
const STEP_BITS = 12n;
const STEP_MASK = (1n << STEP_BITS) - 1n;

/**
 * Makes a generator of increasing snowflake ids (bigint).
 * @param {{ node?: number, now?: () => number }} [options] `node` 0–1023 (nano: pid % 1000); `now` the clock in ms.
 * @returns {() => bigint}
 */
export function snowflakeIds(options = {}) {
  const node = BigInt(options.node ?? process.pid % 1000);
  if (node < 0n || node >= 1n << NODE_BITS) throw new RangeError(`snowflake node must be 0-1023, got ${node}`);
  const now = options.now ?? Date.now;
  let last = -1n;
  let step = 0n;
  return () => {
    let ms = BigInt(Math.floor(now())) - EPOCH;
    if (ms < last) ms = last; // the clock stepped back: stay monotonic rather than repeat an id
    if (ms === last) {
      step = (step + 1n) & STEP_MASK;
      // 4096 ids in one millisecond: borrow the next millisecond, as the sequence would otherwise wrap onto an old id.
      if (step === 0n) ms = last + 1n;
    } else {
      step = 0n;
    }
    last = ms;
    return (ms << (NODE_BITS + STEP_BITS)) | (node << STEP_BITS) | step;
  };
}
