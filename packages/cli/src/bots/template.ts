/**
 * Scenario values: `{{name}}` templates filled from a bot's variables, and paths into response bodies.
 * @packageDocumentation
 */

/** A bot's variables: `bot` (1-based index) and whatever `store` put there. */
export type Vars = Record<string, unknown>;

const WHOLE = /^\{\{\s*([\w.]+)\s*\}\}$/;
const PART = /\{\{\s*([\w.]+)\s*\}\}/g;

/** True when `value` holds a `{{…}}` template anywhere (so it must be filled per bot). */
export function hasTemplate(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('{{');
  if (Array.isArray(value)) return value.some(hasTemplate);
  if (value !== null && typeof value === 'object') return Object.values(value).some(hasTemplate);
  return false;
}

/**
 * Fills templates. A string that is one whole `{{name}}` becomes the variable's value with its type (a number stays
 * a number); inside longer strings variables are written as text (objects as JSON). Missing variables are an error.
 */
export function fill(value: unknown, vars: Vars): unknown {
  if (typeof value === 'string') {
    const whole = WHOLE.exec(value);
    if (whole) return lookup(vars, whole[1] as string);
    if (!value.includes('{{')) return value;
    return value.replace(PART, (_, name: string) => {
      const v = lookup(vars, name);
      return typeof v === 'string' ? v : JSON.stringify(v);
    });
  }
  if (Array.isArray(value)) return value.map((v) => fill(v, vars));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = fill(v, vars);
    return out;
  }
  return value;
}

function lookup(vars: Vars, name: string): unknown {
  const [head = '', ...rest] = name.split('.');
  if (!(head in vars))
    throw new TemplateError(`no variable "${head}" (stored variables: ${Object.keys(vars).join(', ')})`);
  return rest.length === 0 ? vars[head] : getPath(vars[head], rest.join('.'));
}

/** An unknown variable in a template. */
export class TemplateError extends Error {}

/** The value at a dotted path (`a.b.0.c`; `''` or `$` is the whole value), or undefined. */
export function getPath(value: unknown, path: string): unknown {
  if (path === '' || path === '$') return value;
  let v = value;
  for (const key of path.replace(/^\$\.?/, '').split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}
