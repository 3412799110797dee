/**
 * Runs a scenario with N bots in this process: each bot is one {@link NanoClient} walking the steps; bots start at
 * the ramp-up rate; loops end at the run's duration.
 * @packageDocumentation
 */
import { NanoClient, type NanoClientOptions } from '@nanokit/client';
import { CliError, errorCode, errorMessage } from '../errors.js';
import type { SerializerFactory } from '../serializer.js';
import { mismatch } from './match.js';
import type { Scenario, Step, Store } from './scenario.js';
import { type BotsSummary, RunStats } from './stats.js';
import { fill, getPath, type Vars } from './template.js';

/** Options of {@link runBots}. */
export interface RunBotsOptions {
  /** The server every bot connects to (`ws://`, `wss://` or `tcp://`). */
  url: string;
  /** Number of bots. */
  bots: number;
  /**
   * Bots started per second; 0 starts them all at once.
   * @default 0
   */
  rampUp?: number;
  /**
   * The run's duration in ms: loops stop, and bots stop before their next step.
   * @default no limit: the run ends when every bot has finished its scenario
   */
  durationMs?: number;
  /**
   * Seed of the bots' random numbers (sleep ranges): the same seed gives the same sleeps.
   * @default 1
   */
  seed?: number;
  /** Client options (handshake user data, timeout). */
  client?: Omit<NanoClientOptions, 'url' | 'serializer'>;
  /**
   * Makes each bot's serializer (pomelo-protobuf keeps per-connection protos).
   * @default JSON
   */
  serializer?: SerializerFactory;
  /** The counters, as soon as the run starts (the live view reads them). */
  onStart?: (stats: RunStats) => void;
}

/** A small seeded PRNG (mulberry32): deterministic per seed, plenty for sleep jitter. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Ends a bot's walk: a failure already counted, or the run's end. */
class Stop {
  constructor(readonly failed: boolean) {}
}

const MAX_BUFFERED_PUSHES = 1000;

/** A body of steps being run by `walk`: the scenario's, or a loop's or a repeat's. */
interface Round {
  readonly steps: readonly Step[];
  /** The loop or repeat step; undefined for the scenario itself. */
  readonly owner: (Step & { kind: 'loop' | 'repeat' }) | undefined;
  /** Index of the next step to run. */
  next: number;
  /** Rounds left, this one included (a repeat's count; 1 otherwise). */
  left: number;
  /** When a loop with a duration of its own ends (`performance.now()` ms); infinity otherwise. */
  readonly end: number;
}

interface Waiter {
  route: string;
  accept: (body: unknown) => boolean;
}

class Bot {
  private client: NanoClient | undefined;
  readonly vars: Vars;
  private readonly pushes: { route: string; body: unknown }[] = [];
  private waiter: Waiter | undefined;

  constructor(
    readonly index: number,
    private readonly run: Run,
    private readonly random: () => number,
  ) {
    this.vars = { bot: index };
  }

  /**
   * Runs `steps` in one async frame: a `loop` or `repeat` is a round on a stack rather than a nested call, so that a
   * request costs one `await` however deeply it is nested (each nested frame cost about as much as the rest of the
   * bot's own work per request: docs/benchmarks.md).
   */
  async walk(steps: readonly Step[]): Promise<void> {
    const rounds: Round[] = [{ steps, owner: undefined, next: 0, left: 1, end: Number.POSITIVE_INFINITY }];
    while (rounds.length > 0) {
      const round = rounds[rounds.length - 1] as Round;
      if (round.next === round.steps.length) {
        round.left--;
        if (this.again(round)) round.next = 0;
        else {
          rounds.pop();
          if (round.owner) this.run.stats.ok(round.owner, 0);
        }
        continue;
      }
      const step = round.steps[round.next++] as Step;
      if (this.run.over()) throw new Stop(false);
      if (step.kind === 'repeat' || step.kind === 'loop') {
        const inner: Round = {
          steps: step.steps,
          owner: step,
          next: 0,
          left: step.kind === 'repeat' ? step.times : 1,
          end:
            step.kind === 'loop' && step.forMs !== undefined
              ? performance.now() + step.forMs
              : Number.POSITIVE_INFINITY,
        };
        if (this.again(inner)) rounds.push(inner);
        else this.run.stats.ok(step, 0);
      } else if (step.kind === 'request') {
        const client = this.open(step);
        const body = step.templated ? this.value(step, step.body, true) : step.body;
        const t0 = performance.now();
        let response: unknown;
        try {
          response = await client.request(
            step.route,
            body,
            step.timeout === undefined ? undefined : { timeout: step.timeout },
          );
        } catch (error) {
          this.fail(step, error);
        }
        const ms = performance.now() - t0;
        this.check(step, response, step.expect, step.store);
        this.run.stats.ok(step, ms);
      } else await this.step(step);
    }
  }

  /** Whether `round` runs (again): a repeat while rounds are left, a loop until its end and the run's. */
  private again(round: Round): boolean {
    const owner = round.owner;
    if (!owner) return false;
    if (owner.kind === 'repeat') return round.left > 0;
    // A loop without its own duration reads the clock once per round (in `over`): a round can be one request.
    return (round.end === Number.POSITIVE_INFINITY || performance.now() < round.end) && !this.run.over();
  }

  close(): void {
    this.client?.close();
    this.client = undefined;
  }

  private fail(step: Step, error: unknown): never {
    this.run.stats.fail(step, this.index, errorCode(error), errorMessage(error));
    throw new Stop(true);
  }

  private open(step: Step): NanoClient {
    if (this.client?.state !== 'open') this.fail(step, new CliError('ERR_BAD_SCENARIO', 'not connected'));
    return this.client as NanoClient;
  }

  private value(step: Step, value: unknown, templated: boolean): unknown {
    try {
      return templated ? fill(value, this.vars) : value;
    } catch (error) {
      return this.fail(step, new CliError('ERR_BAD_SCENARIO', errorMessage(error)));
    }
  }

  /** Checks `expect` and applies `store`; false after a failure (counted). */
  private check(step: Step, body: unknown, expect: unknown, store: Store | undefined): void {
    if (expect !== undefined) {
      const why = mismatch(body, this.value(step, expect, true));
      if (why !== undefined) {
        this.run.expectationsFailed++;
        this.fail(step, new CliError('ERR_EXPECTATION_FAILED', why));
      }
    }
    if (store) for (const [name, path] of Object.entries(store)) this.vars[name] = getPath(body, path);
  }

  /** Runs one step other than a request, a loop or a repeat (`walk` runs those). */
  private async step(step: Step): Promise<void> {
    const stats = this.run.stats;
    switch (step.kind) {
      case 'connect': {
        this.close();
        const user = step.user === undefined ? undefined : this.value(step, step.user, true);
        const options = this.run.clientOptions;
        const client = new NanoClient({
          ...options,
          ...(this.run.serializer ? { serializer: this.run.serializer() } : {}),
          url: this.run.url,
          ...(user === undefined ? {} : { handshake: { ...options.handshake, user } }),
        });
        this.client = client;
        if (this.run.waited.size > 0) client.on('push', ({ route, body }) => this.push(route, body));
        const t0 = performance.now();
        try {
          await client.connect();
        } catch (error) {
          this.fail(step, error);
        }
        stats.connected++;
        client.on('disconnect', () => stats.connected--);
        stats.ok(step, performance.now() - t0);
        return;
      }
      case 'notify': {
        const client = this.open(step);
        try {
          client.notify(step.route, step.templated ? this.value(step, step.body, true) : step.body);
        } catch (error) {
          this.fail(step, error);
        }
        stats.ok(step, 0);
        return;
      }
      case 'wait': {
        this.open(step);
        const match = step.match === undefined ? undefined : this.value(step, step.match, true);
        const accept = (body: unknown) => match === undefined || mismatch(body, match) === undefined;
        const t0 = performance.now();
        const body = await this.waitFor(step, accept);
        const ms = performance.now() - t0;
        this.check(step, body, step.expect, step.store);
        stats.ok(step, ms);
        return;
      }
      case 'sleep': {
        const ms = step.min + (step.max - step.min) * this.random();
        await new Promise((resolve) => setTimeout(resolve, Math.min(ms, this.run.remaining())));
        stats.ok(step, 0);
        return;
      }
      case 'close':
        this.close();
        stats.ok(step, 0);
        return;
    }
  }

  private push(route: string, body: unknown): void {
    const w = this.waiter;
    if (w && w.route === route && w.accept(body)) {
      this.waiter = undefined;
      this.run.delivered(w, body);
      return;
    }
    if (!this.run.waited.has(route)) return;
    this.pushes.push({ route, body });
    if (this.pushes.length > MAX_BUFFERED_PUSHES) this.pushes.shift();
  }

  private waitFor(step: Step & { kind: 'wait' }, accept: (body: unknown) => boolean): Promise<unknown> {
    const i = this.pushes.findIndex((p) => p.route === step.route && accept(p.body));
    if (i >= 0) return Promise.resolve(this.pushes.splice(0, i + 1).at(-1)?.body);
    const timeout = step.timeout ?? this.run.clientOptions.requestTimeout ?? 10_000;
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { route: step.route, accept };
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(new CliError('ERR_PUSH_TIMEOUT', `no push of ${step.route} within ${timeout} ms`));
      }, timeout);
      this.run.pending.set(waiter, (body) => {
        clearTimeout(timer);
        resolve(body);
      });
      this.waiter = waiter;
    }).catch((error) => this.fail(step, error));
  }
}

class Run {
  readonly stats: RunStats;
  /** Routes some `wait` step listens to: only their pushes are buffered. */
  readonly waited: Set<string>;
  readonly pending = new Map<Waiter, (body: unknown) => void>();
  expectationsFailed = 0;
  private readonly deadline: number;

  constructor(
    readonly scenario: Scenario,
    readonly url: string,
    readonly clientOptions: Omit<NanoClientOptions, 'url' | 'serializer'>,
    durationMs: number | undefined,
    readonly serializer: SerializerFactory | undefined,
  ) {
    this.stats = new RunStats(scenario.flat);
    this.waited = new Set(scenario.flat.flatMap((s) => (s.kind === 'wait' ? [s.route] : [])));
    this.deadline = durationMs === undefined ? Number.POSITIVE_INFINITY : performance.now() + durationMs;
  }

  over(): boolean {
    return performance.now() >= this.deadline;
  }

  remaining(): number {
    return Math.max(0, this.deadline - performance.now());
  }

  delivered(waiter: Waiter, body: unknown): void {
    const resolve = this.pending.get(waiter);
    this.pending.delete(waiter);
    resolve?.(body);
  }
}

/**
 * Runs the scenario and resolves with the summary. Never rejects for what bots meet (failures are counted); rejects
 * only for a scenario that cannot run (`ERR_BAD_SCENARIO`: a `loop` without a duration and no run duration).
 */
export async function runBots(scenario: Scenario, options: RunBotsOptions): Promise<BotsSummary> {
  const endless = scenario.flat.some((s) => s.kind === 'loop' && s.forMs === undefined);
  if (endless && options.durationMs === undefined) {
    throw new CliError(
      'ERR_BAD_SCENARIO',
      'a loop without a duration needs --duration (or "duration" in the scenario)',
    );
  }
  const seed = options.seed ?? 1;
  const client = { reconnect: false as const, ...options.client };
  const run = new Run(scenario, options.url, client, options.durationMs, options.serializer);
  options.onStart?.(run.stats);
  const rate = options.rampUp ?? 0;
  const started = performance.now();
  let succeeded = 0;
  let failed = 0;
  const bots: Promise<void>[] = [];
  for (let i = 1; i <= options.bots; i++) {
    if (rate > 0 && i > 1) {
      const due = started + ((i - 1) * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      if (run.over()) break;
    }
    const bot = new Bot(i, run, seededRandom(seed + Math.imul(i, 0x9e3779b9)));
    bots.push(
      bot
        .walk(scenario.steps)
        .then(
          () => {
            succeeded++;
          },
          (error: unknown) => {
            if (error instanceof Stop) {
              if (error.failed) failed++;
              else succeeded++;
              return;
            }
            failed++;
            run.stats.fail(scenario.flat[0] as Step, i, errorCode(error), errorMessage(error));
          },
        )
        .finally(() => {
          bot.close();
          run.stats.finished++;
        }),
    );
  }
  await Promise.all(bots);
  const durationMs = performance.now() - started;
  const stats = run.stats;
  const executions = stats.executions();
  return {
    scenario: scenario.name,
    url: options.url,
    bots: bots.length,
    seed,
    durationMs: Math.round(durationMs),
    botsSucceeded: succeeded,
    botsFailed: failed,
    steps: stats.rows(),
    totals: {
      requests: stats.requestCount,
      requestsPerSecond: Math.round((stats.requestCount * 1000) / Math.max(1, durationMs)),
      errors: stats.errorCount,
      errorRate: executions === 0 ? 0 : stats.errorCount / executions,
      expectationsFailed: run.expectationsFailed,
    },
    failures: stats.failures,
  };
}
