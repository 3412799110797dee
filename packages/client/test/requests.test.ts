import { decodeMessage, decodePackets, encodeDataPacket, MessageType } from '@nanokit/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConnectionClosedError, RequestAbortedError, RequestTimeoutError } from '../src/errors.js';
import { MAX_REQUEST_ID, type PendingRequest, type Requests, RequestTable } from '../src/requests.js';
import { type MapLike, SlotMap } from '../src/slot-map.js';
import type { Timers } from '../src/timers.js';

/** A manual clock: `advance(ms)` runs the timers that fall due, in order, at their due time. */
function manualTimers() {
  let now = 1000;
  let seq = 0;
  const due = new Map<number, { at: number; fn: () => void }>();
  const timers: Timers & { armed: number; advance(ms: number): void; jump(ms: number): void } = {
    live: 0,
    armed: 0,
    now: () => now,
    set(fn, ms) {
      const key = ++seq;
      timers.armed++;
      timers.live++;
      due.set(key, { at: now + ms, fn });
      return () => {
        if (due.delete(key)) timers.live--;
      };
    },
    advance(ms) {
      const end = now + ms;
      for (;;) {
        const next = [...due.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
        if (!next) break;
        due.delete(next[0]);
        timers.live--;
        now = Math.max(now, next[1].at);
        next[1].fn();
      }
      now = end;
    },
    /** The host was suspended for `ms`: the clock jumps, and timers fire late, after it. */
    jump(ms) {
      now += ms;
      timers.advance(0);
    },
  };
  return timers;
}

/** A request table over a manual clock whose `send` records the ids it sent (and may refuse). */
function makeTable(maxInFlight: number, map: MapLike<number, PendingRequest>) {
  const timers = manualTimers();
  const sent: number[] = [];
  const io: { refuse: boolean; onSend?: ((id: number) => void) | undefined } = { refuse: false };
  const requests = new RequestTable(timers, maxInFlight, map);
  const sender = {
    send(packet: Uint8Array) {
      if (io.refuse) return false;
      const [first] = decodePackets(packet);
      const { id } = decodeMessage((first as { body: Uint8Array }).body);
      sent.push(id);
      if (io.onSend) io.onSend(id);
      return true;
    },
  };
  const add = (timeout = 0, signal?: AbortSignal, route = 'R.r') => {
    const id = requests.next();
    const promise = requests.add(id, route, packet(id, route), timeout, signal, sender);
    promise.catch(() => {}); // observed by the tests that care
    return { id, promise };
  };
  return { timers, sent, io, requests, add };
}

const packet = (id: number, route: string) =>
  encodeDataPacket({ type: MessageType.Request, id, route, body: new Uint8Array(0) });

/** Answers request `id` with `value`. */
function answer(requests: Requests, id: number, value: unknown): void {
  const entry = requests.get(id);
  if (!entry) throw new Error(`no request ${id}`);
  requests.settle(entry, undefined, value);
}

// Every test runs over both maps the client uses: browsers' `Map`, the Node entry's `SlotMap`.
const MAPS: [string, () => MapLike<number, PendingRequest>][] = [
  ['Map', () => new Map()],
  ['SlotMap', () => new SlotMap()],
];

describe.each(MAPS)('over a %s', (_name, makeMap) => {
  const table = (maxInFlight = Infinity) => makeTable(maxInFlight, makeMap());

  describe('request ids', () => {
    it('start at 1, stay in 1…2^31−1, wrap, and skip ids still pending', () => {
      const { requests, add } = table();
      expect([requests.next(), requests.next()]).toEqual([1, 2]);
      requests.last = 0;
      add(); // 1, still pending after the wrap
      requests.last = 2;
      add(); // 3
      requests.last = MAX_REQUEST_ID - 1;
      expect([requests.next(), requests.next(), requests.next()]).toEqual([MAX_REQUEST_ID, 2, 4]);
      expect(MAX_REQUEST_ID).toBe(2 ** 31 - 1);
    });
  });

  describe('the in-flight table', () => {
    it('resolves a request with its value and forgets it; a second settle and a late answer change nothing', async () => {
      const { requests, add } = table();
      const { id, promise } = add();
      const entry = requests.get(id);
      expect(entry?.route).toBe('R.r');
      answer(requests, id, { ok: 1 });
      expect(requests.size()).toBe(0);
      expect(requests.get(id)).toBeUndefined();
      requests.settle(entry as NonNullable<typeof entry>, new Error('late'));
      await expect(promise).resolves.toEqual({ ok: 1 });
    });

    it('rejects a request that could not be sent with send-failed', async () => {
      const { io, requests, add } = table();
      io.refuse = true;
      const { promise } = add();
      await expect(promise).rejects.toMatchObject({ code: 'ERR_CONNECTION_CLOSED', reason: 'send-failed' });
      expect(requests.size()).toBe(0);
    });
  });

  describe('the queue under maxInFlight', () => {
    it('sends at most maxInFlight, holds the rest oldest first, and sends one per answer', () => {
      const { sent, requests, add } = table(2);
      const ids = [add(), add(), add(), add()].map((r) => r.id);
      expect(sent).toEqual([ids[0], ids[1]]);
      expect(requests.size()).toBe(4);
      answer(requests, ids[1] as number, 'b');
      expect(sent).toEqual([ids[0], ids[1], ids[2]]);
      answer(requests, ids[0] as number, 'a');
      expect(sent).toEqual(ids);
    });

    it('a response to a request still held (never sent) is no answer: it stays held and is sent in its turn', async () => {
      const { sent, requests, add } = table(1);
      const [first, held] = [add(), add()];
      expect(sent).toEqual([first.id]);
      expect(requests.get(held.id)).toBeUndefined();
      answer(requests, first.id, 'a');
      expect(sent).toEqual([first.id, held.id]);
      expect(requests.get(held.id)?.id).toBe(held.id);
      answer(requests, held.id, 'b');
      await expect(held.promise).resolves.toBe('b');
    });

    it('never sends a held request that expired or was aborted while held', async () => {
      const { timers, sent, requests, add } = table(1);
      const first = add();
      const expiring = add(50);
      const controller = new AbortController();
      const aborted = add(0, controller.signal);
      const last = add();
      controller.abort('stop');
      await expect(aborted.promise).rejects.toBeInstanceOf(RequestAbortedError);
      timers.advance(60);
      await expect(expiring.promise).rejects.toBeInstanceOf(RequestTimeoutError);
      answer(requests, first.id, 1);
      expect(sent).toEqual([first.id, last.id]);
    });

    it('one signal for a request in flight and a held one: aborting it never sends the held one', async () => {
      const { sent, add } = table(1);
      const controller = new AbortController();
      const first = add(0, controller.signal);
      const second = add(0, controller.signal);
      // The first one's abort listener frees the slot while the second one's has not run yet.
      controller.abort('stop');
      await expect(first.promise).rejects.toBeInstanceOf(RequestAbortedError);
      await expect(second.promise).rejects.toBeInstanceOf(RequestAbortedError);
      expect(sent).toEqual([first.id]);
    });

    it('whatever happens, even inside a send, requests go out oldest first, within the cap, none held while a slot is free', () => {
      // `add` sends at once when `map` holds no more than `maxInFlight` (outside a flush), and an answer flushes only
      // while `map` holds `maxInFlight` or more: both rely on requests being held only while every slot is taken. A
      // send may run the caller's code (an `error` listener, an in-process server): `reenter` runs operations inside
      // the next one. Requests share three abort signals, as requests made with one signal do.
      type Op =
        | { kind: 'add'; timeout: number; signal: number }
        | { kind: 'answer'; pick: number }
        | { kind: 'abort'; signal: number }
        | { kind: 'advance'; ms: number }
        | { kind: 'refuse'; on: boolean };
      const base = fc.oneof(
        fc.record({ kind: fc.constant('add' as const), timeout: fc.constantFrom(0, 20, 50), signal: fc.nat(3) }),
        fc.record({ kind: fc.constant('answer' as const), pick: fc.nat() }),
        fc.record({ kind: fc.constant('abort' as const), signal: fc.integer({ min: 1, max: 3 }) }),
        fc.record({ kind: fc.constant('advance' as const), ms: fc.constantFrom(10, 30) }),
        fc.record({ kind: fc.constant('refuse' as const), on: fc.boolean() }),
      );
      const op = fc.oneof(
        { arbitrary: base, weight: 4 },
        {
          arbitrary: fc.record({ kind: fc.constant('reenter' as const), ops: fc.array(base, { maxLength: 3 }) }),
          weight: 1,
        },
      );
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 3 }), fc.array(op, { maxLength: 40 }), (maxInFlight, ops) => {
          const { timers, io, sent, requests, add } = table(maxInFlight);
          const signals = [0, 1, 2, 3].map(() => new AbortController());
          const run = (o: Op) => {
            if (o.kind === 'add') {
              add(o.timeout, o.signal ? signals[o.signal]?.signal : undefined);
            } else if (o.kind === 'answer') {
              const live = sent.filter((id) => requests.get(id));
              const id = live[o.pick % Math.max(1, live.length)];
              if (id !== undefined) answer(requests, id, id);
            } else if (o.kind === 'abort') {
              const controller = signals[o.signal] as AbortController;
              signals[o.signal] = new AbortController();
              controller.abort('stop');
            } else if (o.kind === 'advance') timers.advance(o.ms);
            else io.refuse = o.on;
          };
          for (const o of ops) {
            if (o.kind === 'reenter') {
              io.onSend = () => {
                io.onSend = undefined;
                for (const inner of o.ops) run(inner);
              };
              continue;
            }
            run(o);
            const inFlight = sent.filter((id) => requests.get(id)).length;
            expect(inFlight).toBeLessThanOrEqual(maxInFlight);
            if (inFlight < maxInFlight) expect(requests.size()).toBe(inFlight);
          }
          // Ids are handed out in the order requests are made (the first before a request made inside its send).
          expect(sent).toEqual([...sent].sort((x, y) => x - y));
        }),
        { numRuns: 500 },
      );
    });

    it('a request made inside a send that flushes held ones waits behind them, though that send freed slots', () => {
      const { io, sent, requests, add } = table(3);
      const shared = new AbortController();
      const [a, b, c] = [add(0, shared.signal), add(0, shared.signal), add()];
      const [d, e] = [add(), add()];
      let f = 0;
      io.onSend = (id) => {
        if (id !== d.id) return;
        io.onSend = undefined;
        shared.abort('stop'); // a and b settle inside the flush, which fills their slots only after this send
        f = add().id;
      };
      answer(requests, c.id, 'c'); // frees a slot: the flush sends d
      expect(sent).toEqual([a.id, b.id, c.id, d.id, e.id, f]);
    });

    it('a send failure while flushing settles that request and goes on with the next', async () => {
      const { io, sent, requests, add } = table(1);
      const first = add();
      const second = add();
      const third = add();
      io.refuse = true;
      answer(requests, first.id, 1);
      await expect(second.promise).rejects.toMatchObject({ reason: 'send-failed' });
      await expect(third.promise).rejects.toMatchObject({ reason: 'send-failed' });
      expect(sent).toEqual([first.id]);
      expect(requests.size()).toBe(0);
    });
  });

  describe('the timeout timer', () => {
    it('one timer serves every request: armed at the earliest deadline, kept after answers, re-armed when due', async () => {
      const { timers, requests, add } = table();
      const slow = add(300);
      add(500);
      expect(timers.armed).toBe(1);
      const quick = add(100); // earlier: the timer moves
      expect(timers.armed).toBe(2);
      expect(timers.live).toBe(1);
      answer(requests, quick.id, 'q');
      for (let i = 0; i < 10; i++) answer(requests, add(1000).id, i); // later deadlines reuse the armed timer
      expect(timers.armed).toBe(2);
      timers.advance(100); // fires for the answered request: re-armed for the next deadline
      expect(timers.live).toBe(1);
      timers.advance(200);
      const error = await slow.promise.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RequestTimeoutError);
      expect(error).toMatchObject({ route: 'R.r', id: slow.id, message: `R.r #${slow.id}: no response in 300 ms` });
      expect(requests.size()).toBe(1);
      timers.advance(200);
      expect(requests.size()).toBe(0);
      expect(timers.live).toBe(0);
    });

    it('a timeout whose flush ends the connection (every request rejected) leaves no timer armed', async () => {
      const { timers, io, requests, add } = table(2);
      const later = add(500);
      const due = add(100);
      const held = add(500);
      // Sending the held request, as the expired one frees its slot, ends the connection (as a listener of the
      // send's `error` event may): the sweep must not arm the timer again for requests that are gone.
      io.onSend = (id) => {
        if (id === held.id) requests.rejectAll(new ConnectionClosedError(1000, 'closed'));
      };
      timers.advance(100);
      await expect(due.promise).rejects.toBeInstanceOf(RequestTimeoutError);
      await expect(later.promise).rejects.toBeInstanceOf(ConnectionClosedError);
      await expect(held.promise).rejects.toBeInstanceOf(ConnectionClosedError);
      expect(requests.size()).toBe(0);
      expect(timers.live).toBe(0);
    });

    it('a timeout of 0, or 2^31 ms and more, never expires and arms nothing', () => {
      const { timers, requests, add } = table();
      add(0);
      add(2 ** 31);
      expect(timers.armed).toBe(0);
      timers.advance(10_000);
      expect(requests.size()).toBe(2);
    });

    it('a timer over 1 s late gives due requests 1 s of grace, once, for answers still in the socket', async () => {
      const { timers, requests, add } = table();
      const answered = add(100);
      const unanswered = add(100);
      timers.jump(5000); // suspended: the timer fires 4.9 s late
      expect(requests.size()).toBe(2);
      answer(requests, answered.id, 'in time');
      await expect(answered.promise).resolves.toBe('in time');
      timers.advance(999);
      expect(requests.size()).toBe(1);
      timers.jump(5000); // late again: no second grace
      await expect(unanswered.promise).rejects.toBeInstanceOf(RequestTimeoutError);
    });
  });

  describe('abort listeners', () => {
    it('are added per request with a signal and removed when it settles, whichever way', async () => {
      const { requests, add } = table();
      const controller = new AbortController();
      const a = add(0, controller.signal);
      const b = add(0, controller.signal);
      add(0);
      expect(requests.signals).toBe(2);
      answer(requests, a.id, 'a');
      expect(requests.signals).toBe(1);
      controller.abort(new Error('user'));
      const error = await b.promise.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RequestAbortedError);
      expect((error as RequestAbortedError).cause).toEqual(new Error('user'));
      expect(requests.signals).toBe(0);
      expect(requests.size()).toBe(1);
    });
  });

  describe('rejectAll', () => {
    it('rejects every request, held ones included, in order, removes their listeners and stops the timer', async () => {
      const { timers, sent, requests, add } = table(1);
      const controller = new AbortController();
      const all = [add(100), add(0, controller.signal), add(200)];
      const order: number[] = [];
      for (const r of all) r.promise.catch(() => order.push(r.id));
      const closed = new ConnectionClosedError(1000, 'client-close');
      requests.rejectAll(closed);
      for (const r of all) await expect(r.promise).rejects.toBe(closed);
      expect(order).toEqual(all.map((r) => r.id));
      expect(requests.size()).toBe(0);
      expect(requests.signals).toBe(0);
      expect(timers.live).toBe(0);
      // The table is usable again, and nothing held before is sent.
      const next = add();
      expect(sent).toEqual([(all[0] as { id: number }).id, next.id]);
    });

    it('the connection ending inside a send (a held request sent as a slot frees) settles each request once', async () => {
      const timers = manualTimers();
      const closed = new ConnectionClosedError(1006, '');
      let sends = 0;
      // The second send ends the connection, as a socket error's listener calling close() would, and then fails.
      const requests: Requests = new RequestTable(timers, 1, makeMap());
      const sender = {
        send() {
          if (++sends < 2) return true;
          requests.rejectAll(closed);
          return false;
        },
      };
      const ids = [requests.next()];
      const first = requests.add(ids[0] as number, 'R.a', packet(1, 'R.a'), 0, undefined, sender);
      ids.push(requests.next(), requests.next());
      const held = ids.slice(1).map((id) => requests.add(id, 'R.b', packet(id, 'R.b'), 1000, undefined, sender));
      const outcomes: unknown[] = [];
      for (const p of held)
        p.then(
          (value) => outcomes.push(['resolved', value]),
          (error) => outcomes.push(error),
        );
      answer(requests, ids[0] as number, 'a');
      await expect(first).resolves.toBe('a');
      await Promise.allSettled(held);
      expect(outcomes).toEqual([closed, closed]);
      expect(sends).toBe(2);
      expect(requests.size()).toBe(0);
      expect(timers.live).toBe(0);
    });
  });
});
