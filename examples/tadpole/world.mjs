// The pond's two components, a port of nano's examples/demo/tadpole (lonng/nano, logic/manager.go and world.go) so
// that either end can be swapped for nano's. JSON bodies; the ids are snowflake ids above 2^53 like nano 0.5's.
//
//   Manager.Login  request {"username","cipher","timestamp"} -> {"status":1,"id":<id>,"error":""}, binds the id as uid
//   World.Enter    request {}                                -> {"id":<id>}, joins the world group
//   World.Update   notify  {"id","x","y","name","momentum","angle"} -> push `update`, the same bytes, to the world
//   World.Message  notify  {"message"}                       -> push `message` {"id","message"} to the world
//   session closed                                           -> push `leave` {"id"} to the world
//
// Replies and pushes that carry an id are written as JSON text by hand: JSON.stringify cannot write a bigint, and a
// number would round the id. The text is what Go's encoding/json writes for nano's structs (fields in struct order).
import { decodeUtf8, encodeUtf8, stringifyGoStyle } from '@nanokit/protocol';
import { Group } from '@nanokit/server-lite';

const ID_KEY = 'tadpole.id';

/**
 * The session's snowflake id, made on first use (nano's `s.ID()` exists from the connection on; ours is made at the
 * first Login or Enter, the first time the page needs it).
 * @param {import('@nanokit/server-lite').Session} session
 * @param {{ next(): bigint }} ids
 * @returns {bigint}
 */
function idOf(session, ids) {
  let id = session.get(ID_KEY);
  if (typeof id !== 'bigint') {
    id = ids.next();
    session.set(ID_KEY, id);
  }
  return id;
}

/** JSON text as the UTF-8 bytes server-lite sends unserialized. */
const json = (text) => encodeUtf8(text);

/** True for what nano's page sends as World.Update: an object whose x and y are finite numbers. */
function isUpdate(value) {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Number.isFinite(value.x) &&
    Number.isFinite(value.y)
  );
}

/** `Manager.Login`: accepts every guest (nano's demo checks nothing either) and binds the session's id as uid. */
export class Manager {
  /** @param {{ next(): bigint }} ids where session ids come from (shared with {@link World}) */
  constructor(ids) {
    this.ids = ids;
  }

  /**
   * @param {import('@nanokit/server-lite').Session} session
   * @returns {Uint8Array} `{"status":1,"id":<id>,"error":""}`
   */
  Login(session) {
    const id = idOf(session, this.ids);
    // server-lite uids are safe integers or strings: the decimal text keeps the id exact.
    if (session.uid === undefined) session.bind(String(id));
    return json(`{"status":1,"id":${id},"error":""}`);
  }
}

/** `World`: everybody who entered, and the three pushes `update`, `message`, `leave`. */
export class World {
  /**
   * @param {{ next(): bigint }} ids where session ids come from (shared with {@link Manager})
   * @param {{ warn(message: string, context?: object): void }} logger where dropped notifies are reported
   */
  constructor(ids, logger) {
    this.ids = ids;
    this.logger = logger;
    this.group = new Group('world');
    /** Counters for the benchmark and the logs. */
    this.stats = { updates: 0, messages: 0, dropped: 0 };
  }

  /**
   * @param {import('@nanokit/server-lite').Session} session
   * @returns {Uint8Array} `{"id":<id>}`
   */
  Enter(session) {
    const id = idOf(session, this.ids);
    this.group.add(session);
    return json(`{"id":${id}}`);
  }

  /**
   * A raw handler (nano's `Update(s, msg []byte)`): the bytes are broadcast as they came, so the sender's id, its
   * floats and its name reach the others exactly as written. They must be a JSON object with numeric x and y, from a
   * session that entered the world; anything else is dropped and logged (a notify has nobody to answer).
   * @param {import('@nanokit/server-lite').Session} session
   * @param {Uint8Array} bytes
   */
  Update(session, bytes) {
    if (!this.group.contains(session)) return drop(this, session, 'World.Update before World.Enter');
    let value;
    try {
      value = JSON.parse(decodeUtf8(bytes));
    } catch {
      return drop(this, session, 'World.Update: not JSON');
    }
    if (!isUpdate(value)) return drop(this, session, 'World.Update: x and y must be numbers');
    this.stats.updates += 1;
    this.group.broadcast('update', bytes);
  }

  /**
   * `{"message"}` from a player who entered: pushed to everybody as `{"id":<sender>,"message":…}`.
   * @param {import('@nanokit/server-lite').Session} session
   * @param {{ message?: unknown } | undefined} body
   */
  Message(session, body) {
    if (!this.group.contains(session)) return drop(this, session, 'World.Message before World.Enter');
    const message = body?.message ?? '';
    if (typeof message !== 'string') return drop(this, session, 'World.Message: message must be a string');
    this.stats.messages += 1;
    this.group.broadcast('message', json(`{"id":${idOf(session, this.ids)},"message":${stringifyGoStyle(message)}}`));
  }
}

/** Counts and logs a notify that is not acted on. A module function, not a method: every method is a route. */
function drop(world, session, why) {
  world.stats.dropped += 1;
  world.logger.warn(why, { session: session.id });
}

/**
 * What happens when a session closes (nano's `session.Lifetime.OnClosed` in World.Init): it has left the group
 * already; the world hears `leave` with its id. Sessions that never logged in nor entered have no id and say nothing.
 * @param {World} world
 * @param {import('@nanokit/server-lite').Session} session
 */
export function leaveWorld(world, session) {
  const id = session.get(ID_KEY);
  if (typeof id === 'bigint') world.group.broadcast('leave', json(`{"id":${id}}`));
}
