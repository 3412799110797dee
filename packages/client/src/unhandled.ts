/**
 * What happens in Node to an `error` event that nobody listens to: never silence, never a throw out of a socket
 * callback.
 * @packageDocumentation
 */
/**
 * @internal The reporter of one client's unhandled errors. `'log'`: `console.error`, once per distinct cause (a
 * server that stays down would otherwise print one line per reconnect attempt). `'throw'`: rethrown on a fresh
 * stack (a timer), where the host reports uncaught exceptions (Node: the process exits, as for an EventEmitter's
 * unhandled `error`).
 */
export function unhandledReporter(
  mode: 'log' | 'throw' | undefined,
  defer: (fn: () => void, ms: number) => unknown,
): (error: unknown) => void {
  const seen: Record<string, 1> = {};
  let count = 0;
  return (error) => {
    if (mode === 'throw') {
      defer(() => {
        throw error;
      }, 0);
      return;
    }
    const e = Object(error) as { code?: unknown; message?: unknown; cause?: unknown };
    const key = `${e.code} ${e.message} ${Object(e.cause).message}`;
    if (seen[key]) return;
    // Bounded: a flood of distinct messages costs memory once, then starts over.
    if (++count > 100) for (const k in seen) delete seen[k];
    seen[key] = 1;
    console.error(
      "nanokit: unhandled client error (listen with client.on('error', …); repeats of this one are not shown):",
      error,
    );
  };
}
