/**
 * The server's logger: every method guarded (a throwing logger never breaks a connection, a promise callback or the
 * process) and repeated lines rate-limited, so that a flood of bad connections cannot flood the log.
 * @packageDocumentation
 */
import type { Logger } from './options.js';

/** Lines with one message written per window, per level above debug; the rest are counted. */
const LINES_PER_WINDOW = 20;
/** The window of {@link LINES_PER_WINDOW}, in ms. */
const WINDOW_MS = 1000;

type Level = keyof Logger;
type LogFunction = (level: Level, message: string, context?: Record<string, unknown>) => void;

/** A {@link Logger} that can be stopped (its pending summary timer cleared). */
export interface ServerLogger extends Logger {
  /** Writes the pending summary lines now and stops the timer. */
  flush(): void;
}

/**
 * Wraps `logger`: at most {@link LINES_PER_WINDOW} lines with the same message and level per second (debug lines are
 * not limited: they are off unless asked for); the lines held back are summed up in one line when the window ends.
 */
export function serverLogger(logger: Logger): ServerLogger {
  /** Lines written and held back in the current window, per level and message. */
  const counts = new Map<string, { level: Level; message: string; written: number; held: number }>();
  let windowStart = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;

  const flush = (): void => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    for (const entry of counts.values()) {
      if (entry.held === 0) continue;
      const line = `${entry.message} (${entry.held} more such lines in ${WINDOW_MS} ms were not written)`;
      try {
        logger[entry.level](line, { suppressed: entry.held });
      } catch {
        // Nowhere left to report it.
      }
    }
    counts.clear();
  };

  const log = (level: Level, message: string, context?: Record<string, unknown>): void => {
    if (level === 'debug') {
      logger.debug(message, context);
      return;
    }
    const now = performance.now();
    if (now - windowStart >= WINDOW_MS) {
      flush();
      windowStart = now;
    }
    const key = `${level} ${message}`;
    let entry = counts.get(key);
    if (entry === undefined) counts.set(key, (entry = { level, message, written: 0, held: 0 }));
    if (entry.written < LINES_PER_WINDOW) {
      entry.written++;
      logger[level](message, context);
      return;
    }
    entry.held++;
    if (timer === null) {
      timer = setTimeout(flush, Math.max(0, windowStart + WINDOW_MS - now));
      timer.unref();
    }
  };

  const write = guarded(log);
  return {
    debug: (message, context) => write('debug', message, context),
    info: (message, context) => write('info', message, context),
    warn: (message, context) => write('warn', message, context),
    error: (message, context) => write('error', message, context),
    flush,
  };
}

/**
 * `log` with every call guarded: a logger that throws is ignored. One that failed with a `RangeError` (the
 * stack overflowed: the line to log is often about that very overflow) is called again once from a microtask, on a
 * fresh stack, so the line is not lost.
 */
function guarded(log: LogFunction): LogFunction {
  return (level, message, context) => {
    try {
      log(level, message, context);
    } catch (error) {
      if (!(error instanceof RangeError)) return; // Nowhere left to report it.
      try {
        queueMicrotask(() => {
          try {
            log(level, message, context);
          } catch {
            // It fails on a fresh stack too: nowhere left to report it.
          }
        });
      } catch {
        // Not even that much stack is left.
      }
    }
  };
}
