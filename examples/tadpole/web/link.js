// The pond's connection: nano's tadpole protocol over a NanoClient, feeding a Pond. No DOM: the page (tadpole.js),
// the bots (examples/bots/tadpole.mjs) and the Node tests use it alike, each with its own NanoClient class.
//
// What a real-time client does differently from request/response: requests only to get in (Manager.Login,
// World.Enter); our own state goes out as notifies (World.Update, never answered, at most every 80 ms, when it
// changed or once a second while still); everybody else's state comes in as pushes (`update`, `message`, `leave`) at any time; and a dropped
// connection means logging in and entering the world again, as a new player with a new id.
import { Pond, UpdateGate } from './pond.js';

/**
 * @typedef {'connecting' | 'connected' | 'reconnecting' | 'disconnected'} LinkState
 */

export class PondLink {
  /**
   * @param {object} options
   * @param {string} options.url nano's WebSocket endpoint, e.g. `ws://127.0.0.1:23456/`
   * @param {new (options: object) => any} options.NanoClient the client class (window.NanoKit.NanoClient in the
   *   page, `@nanokit/client/node`'s in Node)
   * @param {object} [options.serializer] the payload serializer; nano's ids need the lossless JSON one
   *   (`createLosslessJsonSerializer()`), or two players can get one id
   * @param {Pond} [options.pond] where pushes go @default a new Pond
   * @param {string} [options.name] our tadpole's name @default 'guest'
   * @param {() => number} [options.now] the clock of the pond's timestamps, in ms @default performance.now
   * @param {(state: LinkState, detail?: string) => void} [options.onState] connection state changes
   * @param {object} [options.transport] a transport factory for the NanoClient (tests)
   * @param {number} [options.interval] ms between our updates, at least @default 80
   * @param {(err: unknown) => void} [options.onError] the client's errors @default console.warn
   */
  constructor(options) {
    this.pond = options.pond ?? new Pond();
    this.pond.me.name = options.name ?? 'guest';
    this.now = options.now ?? (() => performance.now());
    this.onState = options.onState ?? (() => {});
    this.gate = new UpdateGate(options.interval);
    /** @type {LinkState} */
    this.state = 'connecting';
    /** How many times we entered the world (1 + reconnects). */
    this.entered = 0;
    /** Update notifies sent. */
    this.sent = 0;
    this.closed = false;
    this.client = new options.NanoClient({
      url: options.url,
      ...(options.serializer ? { serializer: options.serializer } : {}),
      ...(options.transport ? { transport: options.transport } : {}),
      // Reconnect quickly in a game: 0.3 s, 0.6 s… up to 3 s between attempts, forever.
      reconnect: { initialDelay: 300, maxDelay: 3000 },
      // The server has a new session for us: log in and enter again before anything queued goes out.
      onReconnect: () => this.enterWorld(),
    });
    const { client, pond } = this;
    client.on('update', (body) => pond.update(body, this.now()));
    client.on('message', (body) => pond.message(body, this.now()));
    client.on('leave', (body) => pond.leave(body));
    client.on('reconnecting', ({ attempt }) => this.setState('reconnecting', `attempt ${attempt}`));
    client.on('reconnect', () => this.setState('connected'));
    client.on('disconnect', ({ reason, willReconnect }) => {
      pond.leaveWorld();
      if (reason !== 'kick') this.setState(willReconnect ? 'reconnecting' : 'disconnected', reason);
    });
    // A kicked client does not reconnect by itself; server-lite kicks everybody with "server shutdown" when it
    // stops gracefully: keep trying to come back.
    client.on('kick', ({ reason }) => {
      if (reason === 'server shutdown') this.retry();
      else this.setState('disconnected', `kicked: ${reason}`);
    });
    // Failures also show as state changes; the errors themselves go to the console (a page has nobody to throw to).
    client.on('error', options.onError ?? ((err) => console.warn('nanokit:', err)));
  }

  /** Connects, logs in and enters the world. Rejects when the first attempt fails. */
  async start() {
    this.setState('connecting');
    try {
      await this.client.connect();
      await this.enterWorld();
      this.setState('connected');
    } catch (err) {
      this.setState('disconnected', err instanceof Error ? err.message : String(err));
      throw err;
    }
  }

  /** Manager.Login then World.Enter, as nano's page does. */
  async enterWorld() {
    const name = this.pond.me.name;
    const login = await this.client.request('Manager.Login', {
      username: name,
      cipher: '',
      timestamp: Math.floor(Date.now() / 1000),
    });
    if (login?.status !== 1) throw new Error(`Manager.Login refused: ${login?.error || 'no reason given'}`);
    const world = await this.client.request('World.Enter', {});
    this.pond.enter(world.id);
    this.gate.reset();
    this.entered += 1;
  }

  /** Sends our position if it is time and it changed; call it every frame. Returns true when it sent one. */
  tick(now = this.now()) {
    if (this.client.state !== 'open') return false;
    const body = this.gate.next(this.pond.me, now);
    if (!body) return false;
    this.client.notify('World.Update', body);
    this.sent += 1;
    return true;
  }

  /** Says something to the pond (World.Message); false when not connected. */
  say(message) {
    if (this.client.state !== 'open' || this.pond.me.id === undefined) return false;
    this.client.notify('World.Message', { message });
    return true;
  }

  /** Leaves for good. */
  close() {
    this.closed = true;
    this.client.close();
  }

  /** @private */
  setState(state, detail) {
    this.state = state;
    this.onState(state, detail);
  }

  /**
   * Starts again in 2 s, and again every 2 s until it works or we are closed: after a graceful server shutdown (a
   * kicked client does not reconnect by itself) or a first connection that failed.
   */
  retry() {
    this.setState('reconnecting', 'retrying');
    setTimeout(() => {
      if (this.closed) return;
      this.start().catch(() => this.retry());
    }, 2000);
  }
}
