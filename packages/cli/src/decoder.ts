/**
 * A stateful decoder for one connection's bytes, both directions: packets, messages, and their bodies. It learns
 * the route dictionary from the server's handshake reply and the route of each response from its request, the way a
 * client does, so a whole capture decodes with routes and bodies.
 * @packageDocumentation
 */
import { gunzipSync } from 'node:zlib';
import {
  decodeMessage,
  jsonSerializer,
  MAX_PACKET_BODY_LENGTH,
  MessageType,
  PacketReader,
  PacketType,
  parseHandshakeResponse,
  RouteDictionary,
  type Serializer,
} from '@nanokit/protocol';
import { errorCode, errorMessage } from './errors.js';
import { toHex } from './hex.js';

/** Which way bytes went: client to server or server to client. */
export type Direction = 'C>S' | 'S>C';

/** Names of packet types, by type byte. */
export const PACKET_NAMES: Readonly<Record<number, string>> = {
  [PacketType.Handshake]: 'Handshake',
  [PacketType.HandshakeAck]: 'HandshakeAck',
  [PacketType.Heartbeat]: 'Heartbeat',
  [PacketType.Data]: 'Data',
  [PacketType.Kick]: 'Kick',
};

/** Names of message types, by type number. */
export const MESSAGE_NAMES: Readonly<Record<number, string>> = {
  [MessageType.Request]: 'Request',
  [MessageType.Notify]: 'Notify',
  [MessageType.Response]: 'Response',
  [MessageType.Push]: 'Push',
};

/** One decoded message (the body of a Data packet). */
export interface DecodedMessage {
  type: string;
  /** Request and Response id. */
  id?: number;
  /** The route; for a Response, the route of its request when that request was seen. */
  route: string;
  /** The dictionary code when the route travelled compressed. */
  routeCode?: number;
  /** pitaya's error flag. */
  error?: true;
  /** pitaya's gzip flag (the body shown is inflated). */
  gzip?: true;
  /** The body, decoded by the serializer. */
  body?: unknown;
  /** The raw body, when the serializer could not decode it. */
  bodyHex?: string;
  /** That raw body as text, when it is valid UTF-8. */
  bodyText?: string;
  /** Why the body could not be decoded. */
  bodyError?: string;
}

/** One decoded packet. */
export interface DecodedPacket {
  packet: string;
  /** Body length in bytes. */
  length: number;
  /** Handshake and Kick bodies: the JSON, or the text when it is not JSON. */
  body?: unknown;
  /** Data packets: the message. */
  message?: DecodedMessage;
}

/** What one chunk of bytes held. */
export interface DecodedFrame {
  packets: DecodedPacket[];
  /** The chunk did not decode: the stream of that direction starts afresh with the next chunk. */
  error?: { code: string; message: string };
}

/** Options of {@link StreamDecoder}. */
export interface StreamDecoderOptions {
  /** Route dictionary to start with (otherwise learnt from the server's handshake reply). */
  dictionary?: RouteDictionary;
  /**
   * Decodes message bodies.
   * @default jsonSerializer
   */
  serializer?: Serializer;
}

const inflate = (bytes: Uint8Array): Uint8Array => gunzipSync(bytes, { maxOutputLength: MAX_PACKET_BODY_LENGTH });

/** Decodes the bytes of one connection, in order, chunk by chunk. */
export class StreamDecoder {
  private readonly readers = new Map<string, PacketReader>();
  /** Bytes fed to each reader that no complete packet has used yet. */
  private readonly pending = new Map<string, number>();
  private readonly requests = new Map<number, string>();
  private dictionary: RouteDictionary;
  private readonly fixedDictionary: boolean;
  private readonly serializer: Serializer;

  constructor(options: StreamDecoderOptions = {}) {
    this.dictionary = options.dictionary ?? new RouteDictionary();
    this.fixedDictionary = options.dictionary !== undefined;
    this.serializer = options.serializer ?? jsonSerializer;
  }

  /**
   * Decodes one chunk (a WebSocket message, a TCP read). Packets may span chunks of the same direction. Never
   * throws: a chunk that does not decode is reported in `error`.
   */
  decode(bytes: Uint8Array, direction?: Direction): DecodedFrame {
    const key = direction ?? 'any';
    let reader = this.readers.get(key);
    if (!reader) this.readers.set(key, (reader = new PacketReader({ maxBodyLength: MAX_PACKET_BODY_LENGTH })));
    const packets: DecodedPacket[] = [];
    let pending = (this.pending.get(key) ?? 0) + bytes.length;
    try {
      for (const packet of reader.push(bytes)) {
        pending -= 4 + packet.body.length;
        packets.push(this.packet(packet.type, packet.body, direction));
      }
      this.pending.set(key, pending);
      return { packets };
    } catch (error) {
      this.readers.delete(key);
      this.pending.delete(key);
      return { packets, error: { code: errorCode(error), message: errorMessage(error) } };
    }
  }

  /**
   * The end of the input: an error naming each direction whose stream stopped inside a packet, else undefined.
   */
  finish(): { code: string; message: string } | undefined {
    const cut = [...this.pending].filter(([, n]) => n > 0);
    if (cut.length === 0) return undefined;
    const where = cut.map(([key, n]) => `${n} B${key === 'any' ? '' : ` ${key}`}`).join(', ');
    return { code: 'ERR_TRUNCATED_PACKET', message: `the input ends inside a packet (${where} left over)` };
  }

  /**
   * Learns the route dictionary from server bytes ahead of decoding them: a capture is read whole, and a client that
   * knew the dictionary already (a reconnect, a coalesced first write) may use codes before the reply is decoded.
   * Returns true once a dictionary is known.
   */
  prime(serverBytes: Uint8Array): boolean {
    if (this.fixedDictionary || this.dictionary.size > 0) return true;
    try {
      for (const p of new PacketReader({ maxBodyLength: MAX_PACKET_BODY_LENGTH }).push(serverBytes)) {
        if (p.type === PacketType.Handshake) this.learn(p.body);
      }
    } catch {
      // not a whole packet on its own: decode() reads it in its stream
    }
    return this.dictionary.size > 0;
  }

  private packet(type: number, body: Uint8Array, direction: Direction | undefined): DecodedPacket {
    const out: DecodedPacket = { packet: PACKET_NAMES[type] ?? String(type), length: body.length };
    if (type === PacketType.Data) out.message = this.message(body);
    else if (type === PacketType.Handshake || type === PacketType.Kick) {
      if (body.length > 0) out.body = jsonOrText(type === PacketType.Handshake ? maybeInflate(body) : body);
      if (type === PacketType.Handshake && direction !== 'C>S') this.learn(body);
    }
    return out;
  }

  private learn(body: Uint8Array): void {
    let hs: ReturnType<typeof parseHandshakeResponse>;
    try {
      hs = parseHandshakeResponse(body, { gunzip: inflate });
    } catch {
      return; // a client's handshake (direction unknown), or a refusal: nothing to learn
    }
    if (!this.fixedDictionary && hs.dict) this.dictionary = hs.dictionary;
    // pomelo-protobuf takes its protos from here.
    this.serializer.onHandshake?.(hs);
  }

  private message(bytes: Uint8Array): DecodedMessage {
    const msg = decodeMessage(bytes, { dictionary: this.dictionary });
    const out: DecodedMessage = { type: MESSAGE_NAMES[msg.type] ?? String(msg.type), route: msg.route };
    if (msg.type === MessageType.Request || msg.type === MessageType.Response) out.id = msg.id;
    if (msg.compressed) out.routeCode = msg.routeCode;
    if (msg.error) out.error = true;
    if (msg.gzip) out.gzip = true;
    if (msg.type === MessageType.Request) this.requests.set(msg.id, msg.route);
    if (msg.type === MessageType.Response) {
      out.route = this.requests.get(msg.id) ?? '';
      this.requests.delete(msg.id);
    }
    try {
      const body = msg.gzip ? inflate(msg.body) : msg.body;
      out.body = this.serializer.decode(out.route, body, msg.type);
    } catch (error) {
      out.bodyHex = toHex(msg.body);
      const text = textOf(msg.body);
      if (text !== undefined) out.bodyText = text;
      out.bodyError = `${errorCode(error)}: ${errorMessage(error)}`;
    }
    return out;
  }
}

function maybeInflate(body: Uint8Array): Uint8Array {
  if (body[0] !== 0x1f || body[1] !== 0x8b) return body;
  try {
    return inflate(body);
  } catch {
    return body;
  }
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function textOf(body: Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(body);
  } catch {
    return undefined;
  }
}

function jsonOrText(body: Uint8Array): unknown {
  const text = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
