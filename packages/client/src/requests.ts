/**
 * The requests of one client: ids, the table of requests waiting for their response, the queue held under
 * `maxInFlight`, one timeout timer for all of them, abort listeners, and failing them all when the connection ends.
 * It knows nothing of the connection: the client hands it encoded packets and a `send` callback.
 * @packageDocumentation
 */
import { ConnectionClosedError, RequestAbortedError, RequestTimeoutError } from './errors.js';
import type { MapLike } from './slot-map.js';
import type { Timers } from './timers.js';

/** Largest request id: ids stay in 1…2^31−1: pinus and pomelo decode ids with 32-bit shifts. */
export const MAX_REQUEST_ID = 0x7fffffff;

/** @internal Where requests go out: the connection they were made on. False when the packet could not be sent. */
export interface Sender {
  send(packet: Uint8Array): boolean;
}

/** @internal One request waiting for its response. */
export interface PendingRequest {
  readonly id: number;
  readonly route: string;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
  /** When the request times out, in `Timers.now()` milliseconds; 0 for never. */
  deadline: number;
  /** The request's timeout in milliseconds, for the error. */
  readonly timeout: number;
  readonly signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  /** The encoded request while it waits for a slot under `maxInFlight`; undefined once sent. */
  packet: Uint8Array | undefined;
  /** The connection the request was made on, which sends it. */
  readonly sender: Sender;
  /** Set once the request got the grace of a timeout timer that ran late (see `arm`). */
  graced?: boolean;
}

/** @internal The request table of one client. */
export interface Requests {
  /** The last id handed out. */
  last: number;
  /** Abort listeners added and not yet removed (for `debugStats()`). */
  signals: number;
  /** The next free id: 1…2^31−1, wrapping, never an id still pending. */
  next(): number;
  /**
   * Registers request `id` (already encoded as `packet`) and sends it on `sender` now or, with `maxInFlight` requests
   * in flight, once a slot frees. Resolves with what {@link Requests.settle} gives it.
   */
  add(
    id: number,
    route: string,
    packet: Uint8Array,
    timeout: number,
    signal: AbortSignal | undefined,
    sender: Sender,
  ): Promise<unknown>;
  /**
   * The request waiting for the response `id`, if any: a request still held under `maxInFlight` was never sent, so a
   * response with its id (a broken or hostile server) is not its answer.
   */
  get(id: number): PendingRequest | undefined;
  /** Settles `entry` with `error`, or with `value` when `error` is undefined; a no-op once it was settled. */
  settle(entry: PendingRequest, error: unknown, value?: unknown): void;
  /** Rejects every request with `error` (the connection ended) and stops the timeout timer. */
  rejectAll(error: unknown): void;
  /** Requests waiting for a response, held ones included. */
  size(): number;
}

/**
 * @internal The request table of one client. At most `maxInFlight` requests are sent and unanswered at a time
 * (`Infinity`: no cap). `map` holds the pending requests by id: a `Map`, or the Node entry's `SlotMap`.
 *
 * A class, not a closure per method: with thousands of clients in one process (bots, load tests), a request touches
 * this one object instead of a dozen closures and their contexts, each a cache miss by the time the client's next
 * answer arrives.
 */
export class RequestTable implements Requests {
  last = 0;
  signals = 0;
  /** Requests waiting for a slot under `maxInFlight`, oldest first; the others in `map` are in flight. */
  private readonly held: PendingRequest[] = [];
  /** Set while `flush()` runs: a send failure inside it settles a request, which must not flush again. */
  private flushing: boolean | undefined;
  /** Cancels the timeout timer; set while it is armed (see `arm`). */
  private sweep: (() => void) | undefined;
  /** When the timeout timer fires; set with `sweep`. */
  private sweepAt!: number;
  /** `timers.now`, kept here: a request then touches this object, not the timers' too. */
  private readonly now: () => number;

  constructor(
    private readonly timers: Timers,
    private readonly maxInFlight: number,
    private readonly map: MapLike<number, PendingRequest>,
  ) {
    this.now = timers.now;
  }

  next(): number {
    const map = this.map;
    let id = this.last;
    do id = id >= MAX_REQUEST_ID ? 1 : id + 1;
    while (map.has(id));
    this.last = id;
    return id;
  }

  add(id: number, route: string, packet: Uint8Array, timeout: number, signal: AbortSignal | undefined, sender: Sender) {
    const deadline = timeout > 0 && timeout < 0x7fffffff ? this.now() + timeout : 0;
    let entry!: PendingRequest;
    const promise = new Promise<unknown>((resolve, reject) => {
      entry = { id, route, resolve, reject, deadline, timeout, signal, onAbort: undefined, packet, sender };
    });
    const map = this.map;
    map.set(id, entry);
    if (deadline > 0) this.arm(deadline);
    if (signal) {
      entry.onAbort = () => this.fail(entry, true);
      signal.addEventListener('abort', entry.onAbort);
      this.signals++;
    }
    // The usual case, a free slot, sends at once. Nobody waits for one then, and `held` is not read: outside
    // `flush()`, requests are held only while `maxInFlight` are in flight (so `map`, which holds both, has more than
    // `maxInFlight`). Inside it, requests settled by a send (an abort or a new request from an `error` listener)
    // free slots that the loop fills only after: a new one waits its turn behind the held ones.
    if (!this.flushing && map.size <= this.maxInFlight) this.transmit(entry);
    else {
      this.held.push(entry);
      this.flush();
    }
    return promise;
  }

  get(id: number): PendingRequest | undefined {
    const entry = this.map.get(id);
    return entry && entry.packet ? undefined : entry;
  }

  settle(entry: PendingRequest, error: unknown, value?: unknown): void {
    const map = this.map;
    if (map.get(entry.id) !== entry) return;
    map.delete(entry.id);
    // A held request leaves the queue; an answered one frees its slot for the oldest held one, if any: with fewer
    // than `maxInFlight` left in `map`, none is held (see `add`; inside `flush()` this returns at once).
    if (entry.packet) this.held.splice(this.held.indexOf(entry), 1);
    else if (map.size >= this.maxInFlight) this.flush();
    if (entry.onAbort) {
      (entry.signal as AbortSignal).removeEventListener('abort', entry.onAbort);
      this.signals--;
    }
    if (error === undefined) entry.resolve(value);
    else entry.reject(error);
  }

  rejectAll(error: unknown): void {
    // The timeout timer outlives answered requests (re-arming it per request would cost a timer per request in the
    // usual one-at-a-time use); with no requests left it has nothing to do.
    if (this.sweep) this.sweep();
    this.sweep = undefined;
    // Nothing held is sent: emptied first, then each request settles as if it had been sent. Settling deletes from
    // the Map being walked, which its iterator allows; a rejection runs none of the caller's code before the loop ends.
    this.held.length = 0;
    for (const entry of this.map.values()) {
      entry.packet = undefined;
      this.settle(entry, error);
    }
  }

  size(): number {
    return this.map.size;
  }

  /**
   * Request timeouts share one timer, armed at the earliest deadline (a timer per request costs more than the rest
   * of a request's bookkeeping). When it fires, expired requests fail and it is armed again for the next deadline.
   * It is not cancelled when the last request is answered, only when the connection ends: a request sent before it
   * fires reuses it. A timer that fires far too late gives answers waiting in the socket a moment first (see below).
   */
  private arm(at: number): void {
    if (this.sweep) {
      if (this.sweepAt <= at) return;
      this.sweep();
    }
    const timers = this.timers;
    this.sweepAt = at;
    this.sweep = timers.set(() => {
      this.sweep = undefined;
      const now = timers.now();
      // Over 1 s late: the host was suspended (a paused mini-game, a frozen tab), and answers that arrived meanwhile
      // may still be waiting in the socket behind this timer. Requests due get 1 s more for them, once (timers that
      // always run late, as in a throttled tab, must not postpone a timeout for ever).
      const late = now - this.sweepAt > 1000;
      let next = 0;
      for (const entry of this.map.values()) {
        if (entry.deadline === 0) continue;
        if (late && entry.deadline <= now && !entry.graced) {
          entry.graced = true;
          entry.deadline = now + 1000;
        }
        if (entry.deadline <= now) this.fail(entry);
        else if (next === 0 || entry.deadline < next) next = entry.deadline;
      }
      // (A request failing may have ended the connection, and with it every request.)
      if (next > 0 && this.map.size > 0) this.arm(next);
    }, at - timers.now());
  }

  /** Fails `entry`: aborted by its signal, or else timed out. */
  private fail(entry: PendingRequest, aborted?: boolean): void {
    this.settle(
      entry,
      aborted
        ? new RequestAbortedError(entry.route, (entry.signal as AbortSignal).reason)
        : new RequestTimeoutError(entry.route, entry.id, entry.timeout),
    );
  }

  /** Sends `entry`'s packet; a failure settles it. */
  private transmit(entry: PendingRequest): void {
    const packet = entry.packet as Uint8Array;
    entry.packet = undefined;
    // 1006: CloseCode.Abnormal (client.ts imports this module, not the other way round).
    if (!entry.sender.send(packet)) this.settle(entry, new ConnectionClosedError(1006, 'send-failed'));
  }

  /**
   * Sends held requests, oldest first, while fewer than `maxInFlight` are in flight. nano queues at most 16
   * outgoing messages per session and drops the rest silently, so a burst of requests would lose answers; held
   * requests wait here instead, their timeouts already running.
   */
  private flush(): void {
    const held = this.held;
    if (this.flushing || held.length === 0) return;
    this.flushing = true;
    try {
      const now = this.now();
      while (held.length > 0 && this.map.size - held.length < this.maxInFlight) {
        const entry = held[0] as PendingRequest;
        const { signal, deadline } = entry;
        // Never send one that was aborted (its listener may not have run yet: one signal, several requests) or
        // that expired while held: settling it takes it out of `held`.
        if (signal && signal.aborted) this.fail(entry, true);
        else if (deadline && deadline <= now) this.fail(entry);
        if (held[0] !== entry) continue;
        held.shift();
        this.transmit(entry);
      }
    } finally {
      this.flushing = false;
    }
  }
}
