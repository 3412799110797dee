/**
 * Scenario files (JSON or YAML): top-level settings and the steps every bot runs, checked and compiled once.
 * @packageDocumentation
 */
import { parse as parseYaml } from 'yaml';
import { CliError, errorMessage } from '../errors.js';
import { hasTemplate } from './template.js';

interface StepBase {
  /** Position in the flat list of steps (the summary's rows). */
  id: number;
  /** Label in the summary: `request room.join`, or the step's `name`. */
  name: string;
  /** Nesting depth (for the summary's indentation). */
  depth: number;
}

/** A compiled step. */
export type Step = StepBase &
  (
    | { kind: 'connect'; user: unknown }
    | {
        kind: 'request';
        route: string;
        body: unknown;
        templated: boolean;
        expect?: unknown;
        store?: Store;
        timeout?: number;
      }
    | { kind: 'notify'; route: string; body: unknown; templated: boolean }
    | { kind: 'wait'; route: string; match?: unknown; expect?: unknown; store?: Store; timeout?: number }
    | { kind: 'sleep'; min: number; max: number }
    | { kind: 'repeat'; times: number; steps: Step[] }
    | { kind: 'loop'; forMs: number | undefined; steps: Step[] }
    | { kind: 'close' }
  );

/** `store`: variable name → path in the body (`uid`, `data.items.0.id`, `$` for the whole body). */
export type Store = Record<string, string>;

/** A checked scenario. */
export interface Scenario {
  name: string;
  url?: string;
  bots?: number;
  rampUp?: number;
  durationMs?: number;
  seed?: number;
  steps: Step[];
  /** Every step, depth-first, indexed by `id`. */
  flat: Step[];
}

const KINDS = ['connect', 'request', 'notify', 'wait', 'sleep', 'repeat', 'loop', 'close'] as const;
const OPTIONS: Record<(typeof KINDS)[number], string[]> = {
  connect: ['user'],
  request: ['body', 'expect', 'store', 'timeout'],
  notify: ['body'],
  wait: ['match', 'expect', 'store', 'timeout'],
  sleep: [],
  repeat: ['steps'],
  loop: ['steps'],
  close: [],
};

function bad(where: string, message: string): never {
  throw new CliError('ERR_BAD_SCENARIO', `${where}: ${message}`);
}

/**
 * A duration: a number of milliseconds or a string `500ms`, `10s`, `2m`.
 * @throws {CliError} `ERR_BAD_SCENARIO` (or the `code` given) otherwise.
 */
export function parseDuration(value: unknown, where: string): number {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  const m = typeof value === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(value) : null;
  if (!m) return bad(where, `expected a duration (ms, or "500ms", "10s", "2m"), got ${JSON.stringify(value)}`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] ?? 'ms'] ?? 1;
  return Number(m[1]) * unit;
}

function store(value: unknown, where: string): Store {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return bad(where, 'store must map variable names to paths, e.g. {"uid": "uid"}');
  }
  for (const [name, path] of Object.entries(value)) {
    if (!/^\w+$/.test(name)) bad(where, `store: bad variable name "${name}"`);
    if (typeof path !== 'string') bad(where, `store.${name} must be a path string`);
  }
  return value as Store;
}

function route(value: unknown, kind: string, where: string): string {
  if (typeof value !== 'string' || value === '') return bad(where, `${kind} needs a route, e.g. "${kind}: room.join"`);
  return value;
}

function compileSteps(raw: unknown, where: string, depth: number, flat: Step[]): Step[] {
  if (!Array.isArray(raw) || raw.length === 0) return bad(where, 'steps must be a non-empty list');
  return raw.map((item, i) => compileStep(item, `${where}.${i + 1}`, depth, flat));
}

function compileStep(raw: unknown, where: string, depth: number, flat: Step[]): Step {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return bad(where, 'a step must be an object');
  const r = raw as Record<string, unknown>;
  const kinds = KINDS.filter((k) => k in r);
  if (kinds.length !== 1) {
    return bad(where, `a step needs exactly one of ${KINDS.join(', ')} (got ${Object.keys(r).join(', ') || 'none'})`);
  }
  const kind = kinds[0] as (typeof KINDS)[number];
  for (const key of Object.keys(r)) {
    if (key !== kind && key !== 'name' && !OPTIONS[kind].includes(key)) bad(where, `${kind}: unknown option "${key}"`);
  }
  const arg = r[kind];
  const id = flat.length;
  const base = { id, depth, name: typeof r['name'] === 'string' ? r['name'] : '' };
  const timeout = r['timeout'] === undefined ? {} : { timeout: parseDuration(r['timeout'], `${where}.timeout`) };
  let step: Step;
  switch (kind) {
    case 'connect': {
      const user = arg !== null && typeof arg === 'object' ? (arg as { user?: unknown }).user : undefined;
      step = { ...base, kind, user: r['user'] ?? user };
      break;
    }
    case 'request':
    case 'notify': {
      const body = r['body'];
      const common = { ...base, route: route(arg, kind, where), body, templated: hasTemplate(body) };
      step =
        kind === 'notify'
          ? { ...common, kind }
          : {
              ...common,
              kind,
              ...timeout,
              ...(r['expect'] === undefined ? {} : { expect: r['expect'] }),
              ...(r['store'] === undefined ? {} : { store: store(r['store'], where) }),
            };
      break;
    }
    case 'wait':
      step = {
        ...base,
        kind,
        route: route(arg, kind, where),
        ...timeout,
        ...(r['match'] === undefined ? {} : { match: r['match'] }),
        ...(r['expect'] === undefined ? {} : { expect: r['expect'] }),
        ...(r['store'] === undefined ? {} : { store: store(r['store'], where) }),
      };
      break;
    case 'sleep': {
      const range =
        Array.isArray(arg) || (typeof arg === 'string' && /^\s*[\d.]+\s*(ms|s|m)?\s*-\s*[\d.]/.test(arg))
          ? (Array.isArray(arg) ? arg : String(arg).split('-')).map((v, j) =>
              parseDuration(typeof v === 'string' ? v.trim() : v, `${where}.sleep[${j}]`),
            )
          : [parseDuration(arg, `${where}.sleep`)];
      const [min = 0, max = min] = range;
      if (range.length > 2 || max < min) bad(where, 'sleep takes a duration or a range [min, max]');
      step = { ...base, kind, min, max };
      break;
    }
    case 'close':
      step = { ...base, kind };
      break;
    case 'repeat':
    case 'loop': {
      flat.push(undefined as unknown as Step); // reserve the id before the children
      const steps = compileSteps(r['steps'], `${where}.steps`, depth + 1, flat);
      if (kind === 'repeat') {
        if (typeof arg !== 'number' || !Number.isInteger(arg) || arg < 0) bad(where, 'repeat needs a count');
        step = { ...base, kind, times: arg as number, steps };
      } else {
        const forMs = arg === true || arg === null ? undefined : parseDuration(arg, `${where}.loop`);
        step = { ...base, kind, forMs, steps };
      }
      flat[id] = step;
      break;
    }
  }
  if (step.name === '') step.name = label(step);
  flat[id] = step;
  return step;
}

function label(step: Step): string {
  switch (step.kind) {
    case 'request':
    case 'notify':
    case 'wait':
      return `${step.kind} ${step.route}`;
    case 'sleep':
      return step.min === step.max ? `sleep ${step.min}ms` : `sleep ${step.min}-${step.max}ms`;
    case 'repeat':
      return `repeat ${step.times}`;
    case 'loop':
      return step.forMs === undefined ? 'loop' : `loop ${step.forMs}ms`;
    default:
      return step.kind;
  }
}

/**
 * Parses and checks a scenario file's text (JSON, or YAML when it is not JSON).
 * @throws {CliError} `ERR_BAD_SCENARIO` naming the step (`steps.2.expect`…) that is wrong.
 */
export function parseScenario(text: string, fileName = 'scenario'): Scenario {
  let raw: unknown;
  try {
    raw = text.trimStart().startsWith('{') ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    return bad(fileName, `not JSON or YAML: ${errorMessage(error)}`);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    return bad(fileName, 'expected an object with steps');
  const r = raw as Record<string, unknown>;
  const known = ['name', 'url', 'bots', 'rampUp', 'duration', 'seed', 'steps'];
  for (const key of Object.keys(r))
    if (!known.includes(key)) bad(fileName, `unknown setting "${key}" (${known.join(', ')})`);
  const flat: Step[] = [];
  const steps = compileSteps(r['steps'], 'steps', 0, flat);
  const scenario: Scenario = { name: typeof r['name'] === 'string' ? r['name'] : fileName, steps, flat };
  if (typeof r['url'] === 'string') scenario.url = r['url'];
  const count = (key: string) => {
    const v = r[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !(v >= 0)) return bad(fileName, `${key} must be a number ≥ 0`);
    return v;
  };
  const bots = count('bots');
  const rampUp = count('rampUp');
  const seed = count('seed');
  if (bots !== undefined) scenario.bots = bots;
  if (rampUp !== undefined) scenario.rampUp = rampUp;
  if (seed !== undefined) scenario.seed = seed;
  if (r['duration'] !== undefined) scenario.durationMs = parseDuration(r['duration'], `${fileName}.duration`);
  return scenario;
}
