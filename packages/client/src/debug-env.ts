/**
 * Reading the Node environment's debug switches (the Node entry only).
 * @packageDocumentation
 */
import type { DebugTraceOptions } from './debug.js';

/**
 * @internal The trace the environment asks for: `NANOKIT_DEBUG=1` (or `bodies`), or `DEBUG` naming
 * `nanokit:client` the way the `debug` package reads it (comma or space separated, `*` wildcards, `-` excludes).
 */
export function debugFromEnv(env: Record<string, string | undefined>): DebugTraceOptions | undefined {
  const flag = env.NANOKIT_DEBUG;
  if (flag && flag !== '0' && flag !== 'false') return { bodies: flag === 'bodies' || flag === '2' };
  let on = false;
  for (const pattern of (env.DEBUG || '').split(/[\s,]+/)) {
    if (!pattern) continue;
    const exclude = pattern[0] === '-';
    const glob = (exclude ? pattern.slice(1) : pattern).replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
    if (new RegExp(`^${glob}$`).test('nanokit:client')) {
      if (exclude) return undefined;
      on = true;
    }
  }
  return on ? {} : undefined;
}
