/**
 * Route compression: a two-way map between routes (`Room.Join`, `onMessage`) and 16-bit codes, built from the
 * handshake's `sys.dict`. A compressed route travels as a 2-byte big-endian code instead of length + UTF-8.
 * @see docs/route-compression.md
 * @packageDocumentation
 */
import { MAX_ROUTE_CODE } from './constants.js';
import { fail } from './errors.js';

/** A dictionary as it appears in JSON (`sys.dict`): route → code. */
export type RouteDictionaryInit = Readonly<Record<string, number>> | Iterable<readonly [string, number]>;

/**
 * An immutable route ↔ code map.
 *
 * @example
 * const dict = new RouteDictionary({ 'Room.Join': 1, onMessage: 2 });
 * dict.code('Room.Join'); // 1
 * dict.route(2);          // 'onMessage'
 */
export class RouteDictionary {
  private readonly codes = new Map<string, number>();
  private readonly routes = new Map<number, string>();

  /**
   * @throws {ProtocolError} `ERR_INVALID_DICTIONARY` for a code that is not an integer in 0–65535, a code used by two
   *   routes or a route given two codes (nano only logs these and lets the last one win, leaving stale entries
   *   behind), or a route that is not a string;
   *   `ERR_INVALID_ARGUMENT` when `init` is neither an object nor an iterable of `[route, code]` pairs.
   */
  constructor(init?: RouteDictionaryInit) {
    if (init == null) return;
    for (const entry of (init as Iterable<readonly [string, number]>)[Symbol.iterator]
      ? (init as Iterable<readonly [string, number]>)
      : typeof init === 'object'
        ? // Not Object.entries: the ES5 build runs on hosts that lack it.
          Object.keys(init).map((route) => [route, (init as Record<string, number>)[route] as number] as const)
        : fail('ERR_INVALID_ARGUMENT', 'dictionary')) {
      // A string is iterable too: `new RouteDictionary('ab')` fails here, on its first character.
      if (!Array.isArray(entry)) fail('ERR_INVALID_ARGUMENT', 'dictionary');
      const route = entry[0];
      const code = entry[1];
      const known = this.codes.get(route);
      // `& 0xffff` keeps 0–65535 as they are and changes anything else (non-integers, strings, NaN, out of range).
      // A route or a code seen before must come with the same partner: `[['a', 1], ['a', 2]]` would otherwise leave
      // route(1) === 'a' while code('a') === 2, and `{ a: 1, b: 1 }` would lose `a`. The same pair twice is fine.
      if (
        typeof route !== 'string' ||
        (code & MAX_ROUTE_CODE) !== code ||
        (known !== code && (known !== undefined || this.routes.has(code)))
      ) {
        fail('ERR_INVALID_DICTIONARY', `${route}: ${code}`);
      }
      this.codes.set(route, code);
      this.routes.set(code, route);
    }
  }

  get size(): number {
    return this.codes.size;
  }

  /** The code of `route`, or `undefined` when it is not compressed. */
  code(route: string): number | undefined {
    return this.codes.get(route);
  }

  /** The route of `code`, or `undefined` when the code is unknown. */
  route(code: number): string | undefined {
    return this.routes.get(code);
  }

  /** `[route, code]` pairs. */
  entries(): IterableIterator<[string, number]> {
    return this.codes.entries();
  }

  /**
   * The dictionary as an object (route → code), as sent in `sys.dict`. It has no prototype, so that every route is an
   * own key, `__proto__` included (on a `{}` that assignment would set the prototype and the route would vanish).
   */
  toJSON(): Record<string, number> {
    const out: Record<string, number> = Object.create(null);
    for (const [route, code] of this.codes) out[route] = code;
    return out;
  }
}
