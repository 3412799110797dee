/**
 * A Map that keeps a lone entry out of its hash table: what the Node entry gives its request table.
 * @packageDocumentation
 */

/**
 * @internal The part of `Map` that the request table uses. Iteration is in insertion order and skips entries deleted
 * during the walk, as with a `Map`; {@link SlotMap} may miss one added during the walk (the table adds none then).
 */
export interface MapLike<K, V> {
  readonly size: number;
  get(key: K): V | undefined;
  has(key: K): boolean;
  set(key: K, value: V): unknown;
  delete(key: K): boolean;
  values(): Iterable<V>;
}

/**
 * @internal A `Map` that holds its entry in two fields while it has only one (the usual one request at a time of
 * `await client.request()` in a loop) and a real `Map` behind them for the others. Adding and removing one entry per
 * request makes V8 shrink and regrow a `Map`'s table through the runtime every few requests, and the table is one
 * more cache miss per answer when a process runs thousands of clients (bots, load tests); the slot costs neither. The
 * slot, when full, is the oldest entry: it is filled only when the `Map` is empty.
 */
export class SlotMap<K, V> implements MapLike<K, V> {
  private full = false;
  private key: K | undefined = undefined;
  private value: V | undefined = undefined;
  /** Entries in `rest`, counted here so that the usual case never reads the `Map`'s table. */
  private others = 0;
  private readonly rest = new Map<K, V>();

  get size(): number {
    return this.others + (this.full ? 1 : 0);
  }

  get(key: K): V | undefined {
    if (this.full && this.key === key) return this.value;
    return this.others > 0 ? this.rest.get(key) : undefined;
  }

  has(key: K): boolean {
    return (this.full && this.key === key) || (this.others > 0 && this.rest.has(key));
  }

  set(key: K, value: V): this {
    if (this.full && this.key === key) this.value = value;
    else if (!this.full && this.others === 0) {
      this.full = true;
      this.key = key;
      this.value = value;
    } else {
      this.rest.set(key, value);
      this.others = this.rest.size;
    }
    return this;
  }

  delete(key: K): boolean {
    if (this.full && this.key === key) {
      this.full = false;
      this.key = this.value = undefined;
      return true;
    }
    if (this.others === 0 || !this.rest.delete(key)) return false;
    this.others--;
    return true;
  }

  /** The values, oldest first. */
  *values(): Generator<V, void, undefined> {
    // The slot is older than anything in `rest`; read at each step, so that one deleted meanwhile is skipped.
    if (this.full) yield this.value as V;
    yield* this.rest.values();
  }
}
