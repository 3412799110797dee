// The pond's state, without the DOM or the network: who is here, where each remote tadpole was at each update, where
// to draw it now, what it said, and the counters. The page (tadpole.js) draws it, link.js feeds it; Node tests use
// it directly (test/examples/tadpole-pond.test.ts).
//
// Remote tadpoles are drawn `delay` ms in the past, between the two updates that surround that moment: updates come
// 10 times a second at best, frames 60 times, so drawing the latest position would make them jump 6 frames out of 7.

/** How far in the past remote tadpoles are drawn, in ms: a little more than one update interval. */
export const INTERPOLATION_DELAY = 100;
/** A tadpole that sent nothing for this long starts to fade (its `leave` may never come), in ms. */
export const STALE_AFTER = 3000;
/** How long the fade lasts before the tadpole is forgotten, in ms. */
export const FADE_DURATION = 1000;
/** How long a chat bubble shows, in ms. */
export const BUBBLE_DURATION = 6000;
/**
 * Updates kept per remote tadpole, at most: `step` drops the ones drawn already, but a hidden tab draws nothing (no
 * animation frames) while pushes keep coming.
 */
export const MAX_SNAPSHOTS = 32;

/**
 * The key of an id in maps: its decimal text. nano's ids are snowflakes above 2^53, which the lossless JSON mode gives
 * as bigint; a number or a string of the same integer gives the same key.
 * @param {bigint | number | string} id
 */
export const idKey = (id) => String(id);

/** The angle from `a` to `b` the short way round, in radians (-π..π]. */
function angleDelta(a, b) {
  const d = (b - a) % (2 * Math.PI);
  if (d > Math.PI) return d - 2 * Math.PI;
  if (d <= -Math.PI) return d + 2 * Math.PI;
  return d;
}

/**
 * Where a tadpole was at time `t`, from its snapshots (oldest first): linear between the two that surround `t`, the
 * angle the short way round; before the first, the first; after the last, the last (no guessing ahead).
 * @param {{ t: number, x: number, y: number, angle: number, momentum: number }[]} snapshots
 * @param {number} t
 */
export function sampleAt(snapshots, t) {
  const n = snapshots.length;
  if (n === 0) return undefined;
  if (t <= snapshots[0].t) return snapshots[0];
  if (t >= snapshots[n - 1].t) return snapshots[n - 1];
  let i = n - 1;
  while (snapshots[i - 1].t > t) i -= 1;
  const a = snapshots[i - 1];
  const b = snapshots[i];
  const f = b.t === a.t ? 1 : (t - a.t) / (b.t - a.t);
  return {
    t,
    x: a.x + (b.x - a.x) * f,
    y: a.y + (b.y - a.y) * f,
    angle: a.angle + angleDelta(a.angle, b.angle) * f,
    momentum: a.momentum + (b.momentum - a.momentum) * f,
  };
}

/** A finite number, or `fallback`: pushes come from other players and are not trusted. */
const num = (value, fallback = 0) => (typeof value === 'number' && Number.isFinite(value) ? value : fallback);

/**
 * The pond as one page sees it.
 */
export class Pond {
  /**
   * @param {{ delay?: number, staleAfter?: number, fadeDuration?: number, bubbleDuration?: number }} [options]
   */
  constructor(options = {}) {
    this.delay = options.delay ?? INTERPOLATION_DELAY;
    this.staleAfter = options.staleAfter ?? STALE_AFTER;
    this.fadeDuration = options.fadeDuration ?? FADE_DURATION;
    this.bubbleDuration = options.bubbleDuration ?? BUBBLE_DURATION;
    /** Our own tadpole; `id` is set once World.Enter answered (undefined before: not in the world). */
    this.me = { id: undefined, key: undefined, name: 'guest', x: 0, y: 0, angle: 0, momentum: 0, bubble: undefined };
    /** The others, by {@link idKey}. */
    this.others = new Map();
    /** Arrival times of the update pushes of the last second (ours included), for the updates/s counter. */
    this.recentUpdates = [];
  }

  /** We are in the world as `id` (World.Enter's reply). Everybody else is forgotten: their ids may be stale. */
  enter(id) {
    this.me.id = id;
    this.me.key = idKey(id);
    this.others.clear();
  }

  /** Not in the world any more (connection lost): nobody to draw until we are back. */
  leaveWorld() {
    this.me.id = undefined;
    this.me.key = undefined;
    this.others.clear();
  }

  /**
   * An `update` push `{id, x, y, name, momentum, angle}` received at `now`. Our own comes back too (nano broadcasts
   * to the sender): it only counts.
   */
  update(body, now) {
    this.recentUpdates.push(now);
    if (this.recentUpdates.length > 4 * 1024) this.forgetUpdatesBefore(now - 1000); // not stepped: a hidden tab
    if (!body || body.id === undefined || body.id === null) return;
    const key = idKey(body.id);
    if (key === this.me.key) return;
    let other = this.others.get(key);
    if (!other) {
      other = { id: body.id, key, name: '', snapshots: [], heard: now, x: 0, y: 0, angle: 0, momentum: 0, alpha: 1 };
      other.bubble = undefined;
      this.others.set(key, other);
    }
    const last = other.snapshots[other.snapshots.length - 1];
    const snapshot = {
      t: now,
      x: num(body.x, last?.x),
      y: num(body.y, last?.y),
      angle: num(body.angle, last?.angle),
      momentum: num(body.momentum),
    };
    if (last && last.t === now) other.snapshots[other.snapshots.length - 1] = snapshot;
    else if (other.snapshots.push(snapshot) > MAX_SNAPSHOTS) other.snapshots.shift();
    if (typeof body.name === 'string') other.name = body.name;
    other.heard = now;
    other.alpha = 1;
    if (other.snapshots.length === 1) Object.assign(other, { x: snapshot.x, y: snapshot.y, angle: snapshot.angle });
  }

  /** A `message` push `{id, message}`: a bubble over that tadpole (ours included); unknown ids are ignored. */
  message(body, now) {
    if (!body || body.id === undefined || body.id === null) return;
    const key = idKey(body.id);
    const who = key === this.me.key ? this.me : this.others.get(key);
    if (!who) return;
    who.bubble = { text: String(body.message ?? ''), until: now + this.bubbleDuration };
    if (who !== this.me) who.heard = now;
  }

  /** A `leave` push `{id}`: that tadpole is gone. */
  leave(body) {
    if (body && body.id !== undefined && body.id !== null) this.others.delete(idKey(body.id));
  }

  /**
   * Moves every remote tadpole to where it was `delay` ms before `now`, fades those not heard from for
   * `staleAfter` ms and forgets them once faded, drops snapshots nobody will draw again and expired bubbles.
   */
  step(now) {
    const renderAt = now - this.delay;
    for (const [key, other] of this.others) {
      const silent = now - other.heard;
      if (silent >= this.staleAfter + this.fadeDuration) {
        this.others.delete(key);
        continue;
      }
      other.alpha = silent <= this.staleAfter ? 1 : 1 - (silent - this.staleAfter) / this.fadeDuration;
      const s = other.snapshots;
      // Keep one snapshot at or before the render time: it is the start of the segment being drawn.
      let drop = 0;
      while (drop + 1 < s.length && s[drop + 1].t <= renderAt) drop += 1;
      if (drop > 0) s.splice(0, drop);
      const at = sampleAt(s, renderAt);
      if (at) {
        other.x = at.x;
        other.y = at.y;
        other.angle = at.angle;
        other.momentum = at.momentum;
      }
      if (other.bubble && other.bubble.until <= now) other.bubble = undefined;
    }
    if (this.me.bubble && this.me.bubble.until <= now) this.me.bubble = undefined;
    this.forgetUpdatesBefore(now - 1000);
  }

  /** Drops the arrival times at or before `since` from the updates/s window. */
  forgetUpdatesBefore(since) {
    let old = 0;
    while (old < this.recentUpdates.length && this.recentUpdates[old] <= since) old += 1;
    if (old > 0) this.recentUpdates.splice(0, old);
  }

  /** Update pushes received in the last second (as of the last {@link step}). */
  updatesPerSecond() {
    return this.recentUpdates.length;
  }

  /** Tadpoles in the pond: the others and, once in the world, us. */
  players() {
    return this.others.size + (this.me.key === undefined ? 0 : 1);
  }

  /** A plain copy for tests and debugging (ids as decimal text). */
  snapshot() {
    const { me } = this;
    return {
      me: {
        key: me.key,
        name: me.name,
        x: me.x,
        y: me.y,
        angle: me.angle,
        momentum: me.momentum,
        bubble: me.bubble?.text,
      },
      others: [...this.others.values()].map((o) => ({
        key: o.key,
        name: o.name,
        x: o.x,
        y: o.y,
        angle: o.angle,
        alpha: o.alpha,
        bubble: o.bubble?.text,
      })),
      players: this.players(),
      updatesPerSecond: this.updatesPerSecond(),
    };
  }
}

/** How fast our tadpole swims at full momentum, in px/s, and how fast it turns, in rad/s. */
export const SWIM_SPEED = 220;
export const TURN_SPEED = 7;

/**
 * Moves our tadpole `dt` seconds towards `target` ({x, y} in pond coordinates, or undefined to drift to a stop):
 * turns towards it, speeds up with distance, slows down near it.
 */
export function swim(me, target, dt) {
  let wanted = 0;
  if (target) {
    const dx = target.x - me.x;
    const dy = target.y - me.y;
    const distance = Math.hypot(dx, dy);
    if (distance > 2) {
      me.angle += Math.max(-TURN_SPEED * dt, Math.min(TURN_SPEED * dt, angleDelta(me.angle, Math.atan2(dy, dx))));
      wanted = Math.min(1, distance / 120);
    }
  }
  me.momentum += (wanted - me.momentum) * Math.min(1, dt * 4);
  if (me.momentum < 0.001) me.momentum = 0;
  me.x += Math.cos(me.angle) * me.momentum * SWIM_SPEED * dt;
  me.y += Math.sin(me.angle) * me.momentum * SWIM_SPEED * dt;
}

/**
 * Decides when our position goes out: at most once every `interval` ms, and only when it changed since the last
 * one sent (nano's page sends every 6th frame while it moves), except once every `keepAlive` ms while we are still:
 * a newcomer learns where we are, and the others do not fade us out as gone (they do after {@link STALE_AFTER}).
 */
export class UpdateGate {
  /**
   * @param {number} [interval] ms between updates, at least @default 80
   * @param {number} [keepAlive] ms between updates of a still tadpole @default 1000
   */
  constructor(interval = 80, keepAlive = 1000) {
    this.interval = interval;
    this.keepAlive = keepAlive;
    this.lastAt = Number.NEGATIVE_INFINITY;
    this.last = undefined;
  }

  /** The update body to send at `now`, or undefined. */
  next(me, now) {
    if (me.id === undefined || now - this.lastAt < this.interval) return undefined;
    const body = {
      id: me.id,
      x: Math.round(me.x * 100) / 100,
      y: Math.round(me.y * 100) / 100,
      name: me.name,
      momentum: Math.round(me.momentum * 1000) / 1000,
      angle: Math.round(me.angle * 1000) / 1000,
    };
    const l = this.last;
    const same =
      l && l.id === body.id && l.x === body.x && l.y === body.y && l.angle === body.angle && l.name === body.name;
    if (same && now - this.lastAt < this.keepAlive) return undefined;
    this.last = body;
    this.lastAt = now;
    return body;
  }

  /** Forget the last update sent: after a reconnect the others know nothing of us. */
  reset() {
    this.last = undefined;
    this.lastAt = Number.NEGATIVE_INFINITY;
  }
}
