// The chat room component, a line-by-line port of nano's examples/demo/chat (lonng/nano) so that either end can be
// swapped for nano's: `room.join` (request) and `room.message` (notify), pushes `onMembers`, `onNewUser`, `onMessage`.
import { Group } from '@nanokit/server-lite';

/**
 * Registered as `room` with a lower-casing name function, so the handlers are reachable as `room.join` and
 * `room.message` (nano: `component.WithName("room"), component.WithNameFunc(strings.ToLower)`).
 */
export class Room {
  constructor() {
    /** Everybody who joined; nano's demo also uses a single test room. */
    this.group = new Group('room-1');
  }

  /**
   * `room.join`: uses the session id as the uid (like nano's demo), tells the joiner who is already here, tells the
   * others about the newcomer, then replies `{"code":0,"result":"success"}`.
   * @param {import('@nanokit/server-lite').Session} session
   */
  Join(session) {
    session.bind(session.id);
    session.push('onMembers', { members: this.group.members() });
    this.group.broadcast('onNewUser', { content: `New user: ${session.id}` });
    this.group.add(session);
    return { code: 0, result: 'success' };
  }

  /**
   * `room.message` (a notify): `{ name, content }` is broadcast unchanged to the room as `onMessage`.
   * @param {import('@nanokit/server-lite').Session} session
   * @param {{ name?: unknown, content?: unknown }} body
   */
  Message(session, body) {
    if (!this.group.members().includes(session.uid)) return; // nano: "not join room yet"
    this.group.broadcast('onMessage', { name: String(body?.name ?? ''), content: String(body?.content ?? '') });
  }
}
