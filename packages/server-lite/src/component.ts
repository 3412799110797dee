/**
 * Components: objects whose methods become handlers, routed as `<name>.<method>` (nano's `component` package).
 * @packageDocumentation
 */
import { EventEmitter } from 'node:events';
import { ServerErrorCode, serverError } from './errors.js';
import type { Session } from './session.js';

/** A handler: `(session, body) => value | Promise<value>`. A request's result is its response body. */
export type HandlerFunction = (session: Session, body: never) => unknown;

/** Optional lifetime methods of a component, called by the server (nano's `component.Component`). */
export interface ComponentLifetime {
  /** Called on the first `listen`/`attach`, before any listener opens. */
  init?(): void | Promise<void>;
  /** Called after every component's `init`. */
  afterInit?(): void | Promise<void>;
  /** Called at `close()`, before the sessions are kicked. */
  beforeShutdown?(): void | Promise<void>;
  /** Called at `close()`, after every session is closed. */
  shutdown?(): void | Promise<void>;
}

/** Options of {@link NanoServer.register}. */
export interface RegisterOptions {
  /**
   * The service part of the routes.
   * @default the class name (`component.constructor.name`)
   */
  name?: string;
  /** Renames each method for its route, e.g. `(m) => m.toLowerCase()`. @default the method name as written */
  nameFunc?: (method: string) => string;
  /**
   * Methods (names as written) that receive the payload bytes undecoded, as a `Uint8Array` copy (nano's `[]byte`
   * handlers). Any handler may return a `Uint8Array` to send bytes unserialized.
   */
  raw?: readonly string[];
}

/** @internal A registered handler. */
export interface Handler {
  readonly route: string;
  readonly component: object;
  readonly fn: HandlerFunction;
  /** The handler takes the raw payload bytes. */
  readonly raw: boolean;
}

const LIFETIME = new Set(['constructor', 'init', 'afterInit', 'beforeShutdown', 'shutdown']);

/** Matches the source text of a function implemented by the engine (`function Map() { [native code] }`). */
const NATIVE_SOURCE = /\{\s*\[native code\]\s*\}\s*$/;

/**
 * @internal True for a prototype whose methods are not handlers: a built-in's (`Object.prototype`,
 * `Map.prototype`, `Array.prototype`, `Error.prototype`… — its own `constructor` is a native function) or Node's
 * `EventEmitter.prototype` (implemented in JavaScript, so it needs naming). Its methods, and those of every prototype
 * above it, would otherwise become routes a client could call (`Registry.clear`, `Room.emit`).
 */
function isLibraryPrototype(proto: object): boolean {
  if (proto === Object.prototype || proto === EventEmitter.prototype) return true;
  const descriptor = Object.getOwnPropertyDescriptor(proto, 'constructor');
  const ctor: unknown = descriptor?.value;
  if (typeof ctor !== 'function' || (ctor as { prototype?: unknown }).prototype !== proto) return false;
  try {
    return NATIVE_SOURCE.test(Function.prototype.toString.call(ctor));
  } catch {
    return false;
  }
}

/**
 * @internal The handlers of a component: every function-valued property on the instance and its prototype chain,
 * except the constructor, the lifetime methods and names starting with `_`. The walk stops at the first built-in or
 * `EventEmitter` prototype ({@link isLibraryPrototype}): only the component's own class chain provides handlers.
 * @throws {ServerLiteError} `ERR_INVALID_COMPONENT` when there is none, a name is not a valid route part, or
 * `nameFunc` maps two methods to the same route.
 */
export function collectHandlers(component: object, options: RegisterOptions = {}): Handler[] {
  if (typeof component !== 'object' || component === null) {
    throw serverError(ServerErrorCode.InvalidComponent, 'a component must be an object');
  }
  const name = options.name ?? (component.constructor as { name?: string } | undefined)?.name ?? '';
  if (typeof name !== 'string' || name === '') {
    throw serverError(ServerErrorCode.InvalidComponent, 'the component has no name: pass { name }');
  }
  const seen = new Set<string>();
  /** Route → the method it came from, to refuse two methods `nameFunc` maps to one route. */
  const methods = new Map<string, string>();
  const handlers: Handler[] = [];
  for (let proto: object | null = component; proto !== null && !isLibraryPrototype(proto); ) {
    for (const key of Object.getOwnPropertyNames(proto)) {
      if (seen.has(key) || LIFETIME.has(key) || key.startsWith('_')) continue;
      seen.add(key);
      const descriptor = Object.getOwnPropertyDescriptor(proto, key);
      if (descriptor === undefined || typeof descriptor.value !== 'function') continue;
      const method = options.nameFunc ? options.nameFunc(key) : key;
      if (typeof method !== 'string' || method === '') {
        throw serverError(ServerErrorCode.InvalidComponent, `nameFunc gave an empty name for method "${key}"`);
      }
      const route = `${name}.${method}`;
      const other = methods.get(route);
      if (other !== undefined) {
        throw serverError(
          ServerErrorCode.InvalidComponent,
          `methods "${other}" and "${key}" of component "${name}" both map to route "${route}"`,
        );
      }
      methods.set(route, key);
      const raw = options.raw?.includes(key) === true;
      handlers.push({ route, component, fn: descriptor.value as HandlerFunction, raw });
    }
    proto = Object.getPrototypeOf(proto) as object | null;
  }
  if (handlers.length === 0) {
    throw serverError(ServerErrorCode.InvalidComponent, `component "${name}" has no handler methods`);
  }
  return handlers;
}
