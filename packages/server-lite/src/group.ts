/**
 * Groups: named sets of sessions that receive the same pushes (nano's `Group`).
 * @packageDocumentation
 */
import { ServerErrorCode, serverError } from './errors.js';
import { broadcastTo } from './outbound.js';
import { linkOf, type Session, type Uid } from './session.js';

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
  /** The members. A member's connection holds this set too, and leaves it when it ends. */
  private readonly set = new Set<Session>();
  private isClosed = false;

  constructor(name = '') {
    this.name = name;
  }

  /** True after {@link Group.close}. */
  get closed(): boolean {
    return this.isClosed;
  }

  /**
   * Adds a session.
   * @returns false when the session is already a member or is closed.
   * @throws {ServerLiteError} `ERR_GROUP_CLOSED` after {@link Group.close}.
   */
  add(session: Session): boolean {
    if (this.isClosed) throw serverError(ServerErrorCode.GroupClosed, `group "${this.name}" is closed`);
    if (session.closed || this.set.has(session)) return false;
    this.set.add(session);
    const link = linkOf(session);
    if (link.memberships === null) link.memberships = new Set();
    link.memberships.add(this.set);
    return true;
  }

  /** Removes a session; false when it was not a member. */
  leave(session: Session): boolean {
    if (!this.set.delete(session)) return false;
    linkOf(session).memberships?.delete(this.set);
    return true;
  }

  /** Removes every member. */
  leaveAll(): void {
    for (const session of this.set) linkOf(session).memberships?.delete(this.set);
    this.set.clear();
  }

  /** True when `session` is a member. */
  contains(session: Session): boolean {
    return this.set.has(session);
  }

  /** The member bound to `uid`, if any. */
  member(uid: Uid): Session | undefined {
    for (const session of this.set) if (session.uid === uid) return session;
    return undefined;
  }

  /** The uids of the members that are bound, in insertion order (never null, unlike nano's). */
  members(): Uid[] {
    const uids: Uid[] = [];
    for (const session of this.set) if (session.uid !== undefined) uids.push(session.uid);
    return uids;
  }

  /** The member sessions, in insertion order. */
  sessions(): Session[] {
    return Array.from(this.set);
  }

  /** Number of members. */
  count(): number {
    return this.set.size;
  }

  /**
   * Pushes `body` on `route` to every member, serializing and encoding it once. Members closed as slow consumers
   * during the loop are reported to `onSessionClosed` listeners after it, never from inside it.
   * @returns how many members it was queued for (members closed as slow consumers are not counted).
   * @throws {ProtocolError} `ERR_SERIALIZE_FAILED` when the serializer cannot encode `body`.
   */
  broadcast(route: string, body: unknown): number {
    return broadcastTo(this.set, route, body, undefined);
  }

  /** Like {@link Group.broadcast}, for the members `filter` accepts. */
  multicast(route: string, body: unknown, filter: (session: Session) => boolean): number {
    return broadcastTo(this.set, route, body, filter);
  }

  /** Removes every member and refuses new ones. */
  close(): void {
    this.leaveAll();
    this.isClosed = true;
  }
}
