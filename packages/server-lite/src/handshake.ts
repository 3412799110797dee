/**
 * The handshake: parse the client's JSON, run the validator (sync or async), send the cached reply or a refusal.
 * @packageDocumentation
 */
import { encodePacket, encodeUtf8, PacketType, parseHandshakeRequest } from '@nanokit/protocol';
import { type Connection, EndMode, State } from './connection.js';
import { ServerErrorCode } from './errors.js';
import type { HandshakeValidator, Logger } from './options.js';
import { WsCloseCode } from './session.js';
import { errorText, isThenable } from './util.js';

/** Answers Handshake packets. */
export class Handshaker {
  private readonly logger: Logger;
  private readonly validator: HandshakeValidator | undefined;
  /** The reply packet, encoded once (nano caches it at startup too). */
  private readonly handshakeReply: Uint8Array;

  constructor(logger: Logger, validator: HandshakeValidator | undefined, reply: Uint8Array) {
    this.logger = logger;
    this.validator = validator;
    this.handshakeReply = reply;
  }

  /** Handles a Handshake packet of a connection in state AwaitHandshake. */
  onHandshake(conn: Connection, body: Uint8Array): void {
    let request: ReturnType<typeof parseHandshakeRequest>;
    try {
      request = parseHandshakeRequest(body);
    } catch (error) {
      this.refuseHandshake(conn, 400, `invalid handshake: ${errorText(error)}`);
      return;
    }
    const validator = this.validator;
    if (validator === undefined) {
      conn.state = State.AwaitAck;
      conn.send(this.handshakeReply);
      return;
    }
    conn.state = State.Validating;
    let verdict: unknown;
    try {
      verdict = validator(conn.session, request);
    } catch (error) {
      this.refuseHandshake(conn, 500, `handshake validator threw: ${errorText(error)}`);
      return;
    }
    if (isThenable(verdict)) {
      Promise.resolve(verdict)
        .then(
          (value) => this.validated(conn, value),
          (error: unknown) => this.refuseHandshake(conn, 500, `handshake validator rejected: ${errorText(error)}`),
        )
        // Replaying pipelined packets runs handlers; whatever escapes closes this connection, not the process.
        .then(undefined, (error: unknown) => conn.malformed(error));
    } else {
      this.validated(conn, verdict);
    }
  }

  private validated(conn: Connection, verdict: unknown): void {
    if (conn.state !== State.Validating) return;
    if (verdict === false) {
      this.refuseHandshake(conn, 500, 'handshake refused by the validator');
    } else if (typeof verdict === 'number' && verdict !== 200) {
      this.refuseHandshake(conn, verdict, `handshake refused by the validator with code ${verdict}`);
    } else {
      conn.state = State.AwaitAck;
      conn.send(this.handshakeReply);
      conn.replayHeld();
    }
  }

  private refuseHandshake(conn: Connection, code: number, reason: string): void {
    if (conn.closed) return;
    conn.dropHeld();
    this.logger.info('handshake refused', {
      session: conn.session.id,
      remoteAddress: conn.session.remoteAddress,
      code: ServerErrorCode.HandshakeRejected,
      reason,
    });
    conn.send(encodePacket(PacketType.Handshake, encodeUtf8(`{"code":${Math.trunc(code)}}`)));
    conn.end(ServerErrorCode.HandshakeRejected, reason, EndMode.Graceful, WsCloseCode.PolicyViolation);
  }
}
