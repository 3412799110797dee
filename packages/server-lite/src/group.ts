/**
 * Groups: named sets of sessions that receive the same pushes (nano's `Group`).
 * @packageDocumentation
 */
import { ServerErrorCode, serverError } from './errors.js';
import type { NanoServer } from './server.js';
import type { Session, Uid } from './session.js';

/**
 * A set of sessions (the Session objects themselves: session ids count from 1 per server, so sessions of several
 * servers may share a group without colliding). A session leaves every group when it closes.
 *
 * `broadcast` serializes and encodes the push once and writes the same bytes to every member (when outbound
 * pipeline hooks are configured they run per member, so the packet is then encoded per member).
 *
 * @example
 * const room = new Group('room-1');
 * room.add(session);
 * room.broadcast('onMessage', { content: 'hi' });
 */
export class Group {
  /** The name given at creation (for logs). */
  readonly name: string;
  private readonly _sessions = new Set<Session>();
  private _closed = false;

  constructor(name = '') {
    this.name = name;
  }

  /** True after {@link Group.close}. */
  get closed(): boolean {
    return this._closed;
  }

  /**
   * Adds a session.
   * @returns false when the session is already a member or is closed.
   * @throws {ServerLiteError} `ERR_GROUP_CLOSED` after {@link Group.close}.
   */
  add(session: Session): boolean {
    if (this._closed) throw serverError(ServerErrorCode.GroupClosed, `group "${this.name}" is closed`);
    if (session.closed || this._sessions.has(session)) return false;
    this._sessions.add(session);
    if (session._groups === null) session._groups = new Set();
    session._groups.add(this);
    return true;
  }

  /** Removes a session; false when it was not a member. */
  leave(session: Session): boolean {
    if (!this._sessions.delete(session)) return false;
    session._groups?.delete(this);
    return true;
  }

  /** Removes every member. */
  leaveAll(): void {
    for (const session of this._sessions) session._groups?.delete(this);
    this._sessions.clear();
  }

  /** True when `session` is a member. */
  contains(session: Session): boolean {
    return this._sessions.has(session);
  }

  /** The member bound to `uid`, if any. */
  member(uid: Uid): Session | undefined {
    for (const session of this._sessions) if (session.uid === uid) return session;
    return undefined;
  }

  /** The uids of the members that are bound, in insertion order (never null, unlike nano's). */
  members(): Uid[] {
    const uids: Uid[] = [];
    for (const session of this._sessions) if (session.uid !== undefined) uids.push(session.uid);
    return uids;
  }

  /** The member sessions, in insertion order. */
  sessions(): Session[] {
    return Array.from(this._sessions);
  }

  /** Number of members. */
  count(): number {
    return this._sessions.size;
  }

  /**
   * Pushes `body` on `route` to every member, serializing and encoding it once. Members closed as slow consumers
   * during the loop are reported to `onSessionClosed` listeners after it, never from inside it.
   * @returns how many members it was queued for (members closed as slow consumers are not counted).
   * @throws {ProtocolError} `ERR_SERIALIZE_FAILED` when the serializer cannot encode `body`.
   */
  broadcast(route: string, body: unknown): number {
    return this._pushTo(route, body, undefined);
  }

  /** Like {@link Group.broadcast}, for the members `filter` accepts. */
  multicast(route: string, body: unknown, filter: (session: Session) => boolean): number {
    return this._pushTo(route, body, filter);
  }

  /** Removes every member and refuses new ones. */
  close(): void {
    this.leaveAll();
    this._closed = true;
  }

  /** @internal Called by a closing session. */
  _remove(session: Session): void {
    this._sessions.delete(session);
  }

  private _pushTo(route: string, body: unknown, filter: ((session: Session) => boolean) | undefined): number {
    if (this._sessions.size === 0) return 0;
    // Members normally all belong to one server; the encoded packet is cached per server.
    let server: NanoServer | null = null;
    let packet: Uint8Array | null = null;
    let serialized: Uint8Array | string = '';
    let sent = 0;
    // Members cut as slow consumers are reported to onSessionClosed after the loop, not from inside it: the loop is
    // a deferring section of each server it meets.
    const deferred: NanoServer[] = [];
    try {
      // A send may close a slow member, which deletes it from the set: Set iteration tolerates that.
      for (const session of this._sessions) {
        if (session.closed || (filter !== undefined && !filter(session))) continue;
        if (session._server !== server) {
          server = session._server;
          if (!deferred.includes(server)) {
            server._defer();
            deferred.push(server);
          }
          serialized = server._serializePush(route, body);
          packet = server._hasOutboundHooks() ? null : server._encodePush(route, serialized);
        }
        const ok =
          packet === null ? (server as NanoServer)._pushSerialized(session, route, serialized) : session._send(packet);
        if (ok) sent++;
      }
    } finally {
      for (const each of deferred) each._undefer();
    }
    return sent;
  }
}
