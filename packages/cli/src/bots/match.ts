/**
 * `expect` and `match` matchers: a partial deep match of a body against a pattern.
 * @packageDocumentation
 */

/**
 * Where `actual` does not match `pattern`, a description of the first mismatch; undefined when it matches.
 *
 * Objects match when every key of the pattern matches (other keys are ignored); arrays element by element with the
 * same length; primitives by equality. An object whose keys start with `$` is an operator:
 * `{"$exists": bool}`, `{"$type": "string"|"number"|"boolean"|"object"|"array"|"null"}`, `{"$regex": "…"}`,
 * `{"$gt"|"$gte"|"$lt"|"$lte": n}`, `{"$ne": value}`, `{"$in": [values]}`.
 */
export function mismatch(actual: unknown, pattern: unknown, path = '$'): string | undefined {
  if (pattern !== null && typeof pattern === 'object' && !Array.isArray(pattern)) {
    const keys = Object.keys(pattern);
    if (keys.length > 0 && keys.every((k) => k.startsWith('$'))) return operators(actual, pattern as Ops, path);
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) {
      return `${path}: expected an object, got ${show(actual)}`;
    }
    for (const key of keys) {
      const sub = (pattern as Record<string, unknown>)[key];
      const value = (actual as Record<string, unknown>)[key];
      const why = mismatch(value, sub, `${path}.${key}`);
      if (why !== undefined) return why;
    }
    return undefined;
  }
  if (Array.isArray(pattern)) {
    if (!Array.isArray(actual)) return `${path}: expected an array, got ${show(actual)}`;
    if (actual.length !== pattern.length) return `${path}: expected ${pattern.length} items, got ${actual.length}`;
    for (let i = 0; i < pattern.length; i++) {
      const why = mismatch(actual[i], pattern[i], `${path}.${i}`);
      if (why !== undefined) return why;
    }
    return undefined;
  }
  return Object.is(actual, pattern) ? undefined : `${path}: expected ${show(pattern)}, got ${show(actual)}`;
}

type Ops = Record<string, unknown>;

function typeOf(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

function operators(actual: unknown, ops: Ops, path: string): string | undefined {
  for (const [op, arg] of Object.entries(ops)) {
    let ok: boolean;
    switch (op) {
      case '$exists':
        ok = (actual !== undefined) === Boolean(arg);
        break;
      case '$type':
        ok = typeOf(actual) === arg;
        break;
      case '$regex':
        ok = typeof actual === 'string' && new RegExp(String(arg)).test(actual);
        break;
      case '$gt':
      case '$gte':
      case '$lt':
      case '$lte': {
        const a = actual as number;
        const b = arg as number;
        ok =
          typeof actual === 'number' && (op === '$gt' ? a > b : op === '$gte' ? a >= b : op === '$lt' ? a < b : a <= b);
        break;
      }
      case '$ne':
        ok = mismatch(actual, arg, path) !== undefined;
        break;
      case '$in':
        ok = Array.isArray(arg) && arg.some((v) => mismatch(actual, v, path) === undefined);
        break;
      default:
        return `${path}: unknown matcher ${op}`;
    }
    if (!ok) return `${path}: expected ${op} ${show(arg)}, got ${show(actual)}`;
  }
  return undefined;
}

function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
