/**
 * The least a client can do: a raw `ws` socket plus the @nanokit/protocol codec, callbacks only, no request table,
 * no timers. With `handshake: false` it drives the echo ceiling: it decodes the echoed request packet exactly as it
 * decodes a server-lite response, so both servers get the same frames. With `awaitEach` its request loop is the
 * client driver's, `await` of one Promise per request, and nothing else added: what a Promise API costs by itself.
 * Sessions as in load.mjs.
 * @module
 */
import {
  decodeMessage,
  decodePackets,
  encodeDataPacket,
  encodeHandshakeRequest,
  encodePacket,
  jsonSerializer,
  MessageType,
  PacketType,
  parseHandshakeResponse,
} from '@nanokit/protocol';
import WebSocket from 'ws';
import { DRAIN_TIMEOUT_MS, ECHO_BODY, ECHO_ROUTE, PING_BODY, PING_ROUTE, settleWithin } from '../lib/workload.mjs';

const HANDSHAKE_ACK = encodePacket(PacketType.HandshakeAck);

/** Opens one session; `{handshake: false}` for the echo ceiling; `{awaitEach: true}` awaits each answer. */
export function openRawSession(url, { handshake, awaitEach = false }) {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  let onData = (_data) => {};
  ws.on('message', (data) => onData(data));

  let running = false;
  let mode = 'idle';
  let id = 0;
  let sentAt = 0;
  let drained = null;
  let pingTimer;
  let reportError = (_error) => {};
  ws.on('error', (error) => reportError(error));
  ws.on('close', () => {
    if (running) reportError(new Error('connection closed during the load'));
    running = false;
    drained?.();
  });

  const sendRequest = () => {
    id = id >= 0x7fffffff ? 1 : id + 1;
    sentAt = performance.now();
    ws.send(
      encodeDataPacket({
        type: MessageType.Request,
        id,
        route: ECHO_ROUTE,
        body: jsonSerializer.encode(ECHO_ROUTE, ECHO_BODY, MessageType.Request),
      }),
    );
  };

  /** The request loop of drivers/client.mjs over this socket: `await` of a Promise that the answer resolves. */
  const awaitLoop = async (onReply) => {
    /** @type {undefined | ((body: unknown) => void)} */
    let answer;
    onData = (data) => {
      for (const packet of decodePackets(data)) {
        if (packet.type !== PacketType.Data) continue;
        const message = decodeMessage(packet.body);
        if (message.id !== id || !answer) continue;
        const resolve = answer;
        answer = undefined;
        resolve(jsonSerializer.decode(ECHO_ROUTE, message.body, message.type));
      }
    };
    while (running) {
      const start = performance.now();
      await new Promise((resolve) => {
        answer = resolve;
        sendRequest();
      });
      onReply(performance.now() - start);
    }
    drained?.();
  };

  const session = {
    startRequestLoop(onReply, onError) {
      reportError = onError;
      running = true;
      mode = 'request';
      if (awaitEach) return awaitLoop(onReply);
      onData = (data) => {
        for (const packet of decodePackets(data)) {
          if (packet.type !== PacketType.Data) continue;
          const message = decodeMessage(packet.body);
          if (message.id !== id) continue;
          jsonSerializer.decode(ECHO_ROUTE, message.body, message.type);
          onReply(performance.now() - sentAt);
          if (running) sendRequest();
          else drained?.();
        }
      };
      sendRequest();
    },
    startPingLoop(intervalMs, delayMs, onSent, onPong, onError) {
      reportError = onError;
      running = true;
      mode = 'ping';
      onData = (data) => {
        for (const packet of decodePackets(data)) {
          if (packet.type !== PacketType.Data) continue;
          decodeMessage(packet.body);
          onPong();
        }
      };
      const tick = () => {
        if (!running) return;
        ws.send(
          encodeDataPacket({
            type: MessageType.Notify,
            route: PING_ROUTE,
            body: jsonSerializer.encode(PING_ROUTE, PING_BODY, MessageType.Notify),
          }),
        );
        onSent();
        pingTimer = setTimeout(tick, intervalMs);
      };
      pingTimer = setTimeout(tick, delayMs);
    },
    stop() {
      clearTimeout(pingTimer);
      if (!running) return Promise.resolve();
      running = false;
      // Ping mode has nothing outstanding; request mode waits for its one outstanding answer.
      if (mode !== 'request' || ws.readyState !== WebSocket.OPEN) return Promise.resolve();
      const wait = new Promise((resolve) => {
        drained = () => resolve(undefined);
      });
      return settleWithin(wait, DRAIN_TIMEOUT_MS);
    },
    close() {
      return new Promise((resolve) => {
        if (ws.readyState === WebSocket.CLOSED) return resolve();
        ws.once('close', () => resolve());
        ws.terminate();
      });
    },
  };

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`raw session to ${url}: no handshake within 10 s`));
    }, 10_000);
    const fail = (error) => {
      clearTimeout(timer);
      reject(error);
    };
    const ready = () => {
      clearTimeout(timer);
      ws.off('error', fail);
      onData = () => {};
      resolve(session);
    };
    ws.once('error', fail);
    ws.once('open', () => {
      if (!handshake) return ready();
      onData = (data) => {
        for (const packet of decodePackets(data)) {
          if (packet.type !== PacketType.Handshake) continue;
          parseHandshakeResponse(packet.body);
          ws.send(HANDSHAKE_ACK);
          ready();
        }
      };
      ws.send(encodePacket(PacketType.Handshake, encodeHandshakeRequest()));
    });
  });
}
