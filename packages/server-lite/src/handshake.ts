/**
 * The handshake: parse the client's JSON, run the validator (sync or async), send the cached reply or a refusal.
 * @packageDocumentation
 */
import { encodePacket, encodeUtf8, PacketType, parseHandshakeRequest } from '@nanokit/protocol';
import { ServerErrorCode } from './errors.js';
import type { HandshakeValidator, Logger } from './options.js';
import { EndMode, type Session, State, WsCloseCode } from './session.js';
import { closeForProtocolError, errorText, isThenable } from './util.js';

/** @internal Answers Handshake packets. */
export class Handshaker {
  private readonly logger: Logger;
  private readonly validator: HandshakeValidator | undefined;
  /** The reply packet, encoded once (nano caches it at startup too). */
  private readonly handshakeReply: Uint8Array;

  /** Called after an accepted validation, to process what the client pipelined meanwhile. */
  private readonly accepted: (session: Session) => void;

  constructor(
    logger: Logger,
    validator: HandshakeValidator | undefined,
    reply: Uint8Array,
    accepted: (session: Session) => void,
  ) {
    this.logger = logger;
    this.validator = validator;
    this.handshakeReply = reply;
    this.accepted = accepted;
  }

  /** Handles a Handshake packet of a session in state AwaitHandshake. */
  onHandshake(session: Session, body: Uint8Array): void {
    let request: ReturnType<typeof parseHandshakeRequest>;
    try {
      request = parseHandshakeRequest(body);
    } catch (error) {
      this.refuseHandshake(session, 400, `invalid handshake: ${errorText(error)}`);
      return;
    }
    const validator = this.validator;
    if (validator === undefined) {
      session._state = State.AwaitAck;
      session._send(this.handshakeReply);
      return;
    }
    session._state = State.Validating;
    let verdict: unknown;
    try {
      verdict = validator(session, request);
    } catch (error) {
      this.refuseHandshake(session, 500, `handshake validator threw: ${errorText(error)}`);
      return;
    }
    if (isThenable(verdict)) {
      Promise.resolve(verdict)
        .then(
          (value) => this.validated(session, value),
          (error: unknown) => this.refuseHandshake(session, 500, `handshake validator rejected: ${errorText(error)}`),
        )
        // Replaying pipelined packets runs handlers; whatever escapes closes this connection, not the process.
        .then(undefined, (error: unknown) => closeForProtocolError(this.logger, session, error));
    } else {
      this.validated(session, verdict);
    }
  }

  private validated(session: Session, verdict: unknown): void {
    if (session._state !== State.Validating) return;
    if (verdict === false) {
      this.refuseHandshake(session, 500, 'handshake refused by the validator');
    } else if (typeof verdict === 'number' && verdict !== 200) {
      this.refuseHandshake(session, verdict, `handshake refused by the validator with code ${verdict}`);
    } else {
      session._state = State.AwaitAck;
      session._send(this.handshakeReply);
      this.accepted(session);
    }
  }

  private refuseHandshake(session: Session, code: number, reason: string): void {
    if (session.closed) return;
    session._deferred = null;
    this.logger.info('handshake refused', {
      session: session.id,
      remoteAddress: session.remoteAddress,
      code: ServerErrorCode.HandshakeRejected,
      reason,
    });
    session._send(encodePacket(PacketType.Handshake, encodeUtf8(`{"code":${Math.trunc(code)}}`)));
    session._end(ServerErrorCode.HandshakeRejected, reason, EndMode.Graceful, WsCloseCode.PolicyViolation);
  }
}
