/**
 * Request ids and the requests waiting for their response.
 * @packageDocumentation
 */

/** Largest request id: ids stay in 1…2^31−1: pinus and pomelo decode ids with 32-bit shifts. */
export const MAX_REQUEST_ID = 0x7fffffff;

/** @internal One request waiting for its response. */
export interface PendingRequest {
  route: string;
  resolve(value: unknown): void;
  reject(error: unknown): void;
  /** When the request times out, in `Timers.now()` milliseconds; 0 for never. */
  deadline: number;
  /** The request's timeout in milliseconds, for the error. */
  timeout: number;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  /** The encoded request while it waits for a slot under `maxInFlight`; undefined once sent. */
  packet: Uint8Array | undefined;
  /** Set once the request got the grace of a timeout timer that ran late (see `armSweep`). */
  graced?: boolean;
}

/** @internal Id allocation (1…2^31−1, wrapping, never an id still pending) and the pending map. */
export class PendingRequests {
  /** The last id handed out. */
  last = 0;
  readonly map = new Map<number, PendingRequest>();

  next(): number {
    let id = this.last;
    do id = id >= MAX_REQUEST_ID ? 1 : id + 1;
    while (this.map.has(id));
    this.last = id;
    return id;
  }
}
