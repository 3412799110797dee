/**
 * Everything that leaves: responses, error responses, pushes and encode-once broadcasts. One per server, shared by
 * the dispatcher (answers), sessions (`push`) and groups (`broadcast`), which reach it through the session, never
 * through the server.
 * @packageDocumentation
 */
import { escapeAstral, MessageType, PacketWriter, type RouteDictionary, type Serializer } from '@nanokit/protocol';
import { ErrorResponseCode } from './errors.js';
import type { Logger, PipelineHook, PipelineMessage } from './options.js';
import { runPipeline } from './pipeline.js';
import { linkOf, type PushPort, type Session, type SessionLink } from './session.js';
import { errorText, toBuffer } from './util.js';

/** Opens and closes the sections in which ended sessions are reported late (implemented by the registry). */
export interface Sections {
  enter(): void;
  leave(): void;
}

/** What the outbound module needs from the server options. */
export interface OutboundOptions {
  logger: Logger;
  serializer: Serializer;
  dictionary: RouteDictionary;
  errorResponses: boolean;
  outbound: PipelineHook[] | null;
  sections: Sections;
}

/** Serializes, runs the outbound hooks, encodes and writes. */
export class Outbound implements PushPort {
  readonly errorResponses: boolean;
  private readonly logger: Logger;
  private readonly serializer: Serializer;
  private readonly hooks: PipelineHook[] | null;
  private readonly sections: Sections;
  /** True when the serializer is JSON, whose bodies must never be empty. */
  private readonly jsonBodies: boolean;
  /** One slab encoder for the whole server (its packets are never overwritten, so sharing it is safe). */
  private readonly writer: PacketWriter;

  constructor(options: OutboundOptions) {
    this.logger = options.logger;
    this.serializer = options.serializer;
    this.jsonBodies = options.serializer.name === 'json';
    this.errorResponses = options.errorResponses;
    this.hooks = options.outbound;
    this.sections = options.sections;
    this.writer = new PacketWriter({ dictionary: options.dictionary });
  }

  /**
   * Sends a handler's result as the response to request `id`. Never throws (it also runs in promise callbacks): a
   * result that cannot be serialized or encoded (a cycle, a BigInt, over 16 MiB) becomes a `PIT-500` answer.
   * Request id 0 is never answered, as in nano (see docs/server-lite.md#error-responses).
   */
  answer(link: SessionLink, id: number, route: string, value: unknown): void {
    if (id === 0 || link.closed) return;
    try {
      const body = this.encodeBody(route, value, MessageType.Response);
      this.sendMessage(link, MessageType.Response, id, route, body, false);
    } catch (error) {
      this.logger.error('cannot send the response', { session: link.session.id, route, error });
      const msg = `the response could not be sent: ${errorText(error)}`;
      this.answerError(link, id, route, ErrorResponseCode.Internal, msg);
    }
  }

  /** Sends an error response (flag 0x20, JSON body); nothing for id 0 or with `errorResponses` off. Never throws. */
  answerError(
    link: SessionLink,
    id: number,
    route: string,
    code: string,
    msg: string,
    metadata?: Record<string, unknown>,
  ): void {
    if (id === 0 || !this.errorResponses || link.closed) return;
    const error: Record<string, unknown> = { code, msg };
    if (metadata !== undefined) error['metadata'] = metadata;
    try {
      let body: string;
      try {
        body = JSON.stringify(error);
      } catch {
        body = JSON.stringify({ code, msg });
      }
      // As the default serializer writes them: the deployed JS clients garble 4-byte UTF-8 (docs/protocol.md#utf-8).
      body = escapeAstral(body);
      this.sendMessage(link, MessageType.Response, id, route, body, true);
    } catch (failure) {
      this.logger.error('cannot send the error response', { session: link.session.id, route, error: failure });
    }
  }

  push(link: SessionLink, route: string, body: unknown): boolean {
    return this.pushSerialized(link, route, this.serializePush(route, body));
  }

  serializePush(route: string, body: unknown): Uint8Array | string {
    return this.encodeBody(route, body, MessageType.Push);
  }

  pushSerialized(link: SessionLink, route: string, body: Uint8Array | string): boolean {
    return this.sendMessage(link, MessageType.Push, 0, route, body, false);
  }

  encodePush(route: string, body: Uint8Array | string): Uint8Array | null {
    if (this.hooks !== null) return null;
    return toBuffer(this.writer.encodeDataPacket({ type: MessageType.Push, route, body }));
  }

  enter(): void {
    this.sections.enter();
  }

  leave(): void {
    this.sections.leave();
  }

  /**
   * A response or push body: bytes are sent raw (nano sends a `[]byte` value unserialized), anything else goes
   * through the serializer. JSON never yields an empty body: `undefined` and empty bytes become `null`, because
   * nano's Go decoder and the reference JS client both fail on an empty body.
   */
  private encodeBody(route: string, value: unknown, type: MessageType): Uint8Array | string {
    const body = value instanceof Uint8Array ? value : this.serializer.encode(route, value ?? null, type);
    return body.length === 0 && this.jsonBodies ? 'null' : body;
  }

  /**
   * Runs the outbound hooks (unless `hooks` is false), encodes and writes a Response or Push.
   *
   * A Response whose hooks threw is answered `PIT-500` (with `errorResponses` on) written without the hooks, which
   * already failed on this response: a request is always answered, as when an inbound hook or the handler fails. A
   * Push whose hooks threw is not sent (false).
   */
  private sendMessage(
    link: SessionLink,
    type: MessageType,
    id: number,
    route: string,
    body: Uint8Array | string,
    error: boolean,
    hooks = true,
  ): boolean {
    const outbound = hooks ? this.hooks : null;
    if (outbound !== null) {
      const msg: PipelineMessage = { type, id, route, body };
      if (error) msg.error = true;
      const result = runPipeline(outbound, link.session, msg, this.logger);
      if (result === false) return false;
      if (result === null) {
        if (type !== MessageType.Response || id === 0 || !this.errorResponses) return false;
        const failure = JSON.stringify({ code: ErrorResponseCode.Internal, msg: 'outbound pipeline failed' });
        return this.sendMessage(link, type, id, route, failure, true, false);
      }
      route = result.route;
      body = result.body;
      error = result.error === true;
    }
    const packet = this.writer.encodeDataPacket(
      type === MessageType.Response ? { type, id, body, error } : { type: MessageType.Push, route, body },
    );
    return link.send(packet);
  }
}

/**
 * Pushes `body` on `route` to the `members` that `filter` accepts (all without one), serializing and encoding it
 * once per server (members normally all belong to one; with outbound hooks the packet is encoded per member). Members
 * that end meanwhile (cut as slow consumers) are reported to close listeners after the loop, never from inside it:
 * the loop is a section of each server it meets.
 * @returns how many members it was queued for.
 */
export function broadcastTo(
  members: Set<Session>,
  route: string,
  body: unknown,
  filter: ((session: Session) => boolean) | undefined,
): number {
  if (members.size === 0) return 0;
  let port: PushPort | null = null;
  let packet: Uint8Array | null = null;
  let serialized: Uint8Array | string = '';
  let sent = 0;
  const entered: PushPort[] = [];
  try {
    // A send may close a slow member, which deletes it from the set: Set iteration tolerates that.
    for (const session of members) {
      const link = linkOf(session);
      if (link.closed || (filter !== undefined && !filter(session))) continue;
      if (link.outbound !== port) {
        port = link.outbound;
        if (!entered.includes(port)) {
          port.enter();
          entered.push(port);
        }
        serialized = port.serializePush(route, body);
        packet = port.encodePush(route, serialized);
      }
      if (packet === null ? port.pushSerialized(link, route, serialized) : link.send(packet)) sent++;
    }
  } finally {
    for (const each of entered) each.leave();
  }
  return sent;
}
