/**
 * The listeners of one client: lifecycle events and pushes on two emitters, so that a push route may be named like
 * an event (`onPush('error', …)`), with every listener guarded so that one that throws cannot stop the others.
 * @packageDocumentation
 */
import { NanoError } from '@nanokit/protocol';
import { EventEmitter } from 'eventemitter3';
import type { ClientEvents } from './options.js';
import { NOOP } from './timers.js';

/** A listener as eventemitter3 stores it in `guard` form: the user's function is the context. */
// biome-ignore lint/suspicious/noExplicitAny: listeners of any event
type Listener = (arg: any) => void;

/**
 * The function registered with eventemitter3 for every listener, which is passed as the context: one listener that
 * throws cannot stop the others (eventemitter3 stops at a throw), and `off(event, fn)` finds `fn` by context. What a
 * listener throws goes to `report`.
 */
function guard(report: (error: unknown) => void) {
  return function (this: Listener, arg: unknown) {
    try {
      this(arg);
    } catch (error) {
      report(error);
    }
  };
}

/** @internal The listeners of one client. */
export interface Listeners {
  /** Lifecycle events: `connect`, `disconnect`, `reconnecting`, `reconnect`, `kick`, `error`, `push`. */
  readonly events: EventEmitter;
  /** Pushes, by route. */
  readonly pushes: EventEmitter;
  /**
   * Adds `fn` for `event` (a lifecycle event, else a push route; with `pushOnly`, always a push route). Returns the
   * remover.
   */
  listen(event: string, fn: Listener, how: 'on' | 'once', pushOnly?: boolean): () => void;
  /** Removes `fn` (every listener of `event` when omitted). */
  off(event: string, fn?: Listener): void;
  /** Emits a lifecycle event. */
  emit<E extends keyof ClientEvents>(event: E, arg: ClientEvents[E]): void;
  /** Delivers a push to the listeners of its route, then to the `push` listeners. */
  push(route: string, body: unknown): void;
}

/**
 * @internal The listeners of one client. What a listener throws becomes an `error` event (from an `error` listener:
 * dropped); an `error` event without a listener goes to `unhandled`.
 */
export function createListeners(unhandled: (error: unknown) => void): Listeners {
  const events = new EventEmitter();
  const pushes = new EventEmitter();
  const emit = <E extends keyof ClientEvents>(event: E, arg: ClientEvents[E]): void => {
    if (event === 'error' && events.listenerCount(event) === 0) unhandled(arg);
    else events.emit(event, arg);
  };
  /** Calls a listener; a throw becomes an `error` event. */
  const safe = guard((cause) => emit('error', new NanoError('ERR_LISTENER_THREW', 'a listener threw', { cause })));
  /** Calls an `error` listener; a throw is dropped (reporting it would call the same listener again). */
  const quiet = guard(NOOP);
  const emitterOf = (event: string): EventEmitter =>
    /^(connect|disconnect|reconnecting|reconnect|kick|error|push)$/.test(event) ? events : pushes;
  const guardOf = (emitter: EventEmitter, event: string) => (emitter === events && event === 'error' ? quiet : safe);
  return {
    events,
    pushes,
    listen(event, fn, how, pushOnly) {
      const emitter = pushOnly ? pushes : emitterOf(event);
      const call = guardOf(emitter, event);
      emitter[how](event, call, fn);
      return () => {
        emitter.off(event, call, fn);
      };
    },
    off(event, fn) {
      const emitter = emitterOf(event);
      emitter.off(event, fn && guardOf(emitter, event), fn);
    },
    emit,
    push(route, body) {
      pushes.emit(route, body);
      // The event object is built only for someone to receive it.
      if (events.listenerCount('push') > 0) emit('push', { route, body });
    },
  };
}
