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
  const seen = new Set<string>();
  return (error) => {
    if (mode === 'throw') {
      defer(() => {
        throw error;
      }, 0);
      return;
    }
    const key = `${describe(error)} / ${describe((Object(error) as { cause?: unknown }).cause)}`;
    if (seen.has(key)) return;
    // Bounded: a flood of distinct causes costs memory once, then starts over.
    if (seen.size >= MAX_REMEMBERED) seen.clear();
    seen.add(key);
    console.error(
      "nanokit: unhandled client error (listen with client.on('error', …); repeats of this one are not shown):",
      error,
    );
  };
}

/** Distinct causes remembered before the reporter forgets them all and logs each once more. */
const MAX_REMEMBERED = 100;

/** What tells one cause from another: code and message of an error, else the thrown value itself. */
function describe(value: unknown): string {
  const e = Object(value) as { code?: unknown; message?: unknown };
  if (typeof e.message === 'string') return `${String(e.code)} ${e.message}`;
  return typeof value === 'object' && value !== null ? Object.prototype.toString.call(value) : String(value);
}
