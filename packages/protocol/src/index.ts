/**
 * @nanokit/protocol — the byte-exact codec of the nano / pomelo / pinus / pitaya game-server protocol.
 * Bytes only: no sockets, timers or Node APIs; importing it has no side effects.
 * @packageDocumentation
 */

export type { CompressionFormat, Inflate, InflateOptions } from './compression.js';
export { compressionFormat, inflateBody } from './compression.js';
export {
  DEFAULT_MAX_BODY_LENGTH,
  FLAG_ERROR,
  FLAG_GZIP,
  FLAG_ROUTE_COMPRESSED,
  HandshakeCode,
  MAX_MESSAGE_ID,
  MAX_PACKET_BODY_LENGTH,
  MAX_ROUTE_CODE,
  MAX_ROUTE_LENGTH,
  MessageType,
  PACKET_HEADER_LENGTH,
  PacketType,
} from './constants.js';
export type { NanoErrorOptions } from './errors.js';
export { HandshakeError, isNanoError, NanoError, ProtocolError, ProtocolErrorCode } from './errors.js';
export type {
  HandshakeParseOptions,
  HandshakeRequest,
  HandshakeRequestOptions,
  HandshakeResponse,
  HandshakeResponseInit,
} from './handshake.js';
export {
  createHandshakeRequest,
  encodeHandshakeRequest,
  encodeHandshakeResponse,
  parseHandshakeRequest,
  parseHandshakeResponse,
} from './handshake.js';
export { escapeAstral, stringifyGoStyle } from './json.js';
export type { Kick } from './kick.js';
export { encodeKick, parseKick } from './kick.js';
export type { BigIntMode, LosslessJsonSerializerOptions } from './lossless-json.js';
export { createLosslessJsonSerializer, parseLosslessJson, stringifyLosslessJson } from './lossless-json.js';
export type { Message, MessageDecodeOptions, MessageEncodeOptions, MessageInit } from './message.js';
export { decodeMessage, encodeDataPacket, encodeMessage } from './message.js';
export type { MessageReaderOptions } from './message-reader.js';
export { MessageReader } from './message-reader.js';
export type { Packet, PacketDecodeOptions, PacketEncodeOptions, PacketSink } from './packet.js';
export { decodePackets, encodePacket, scanPackets, throwPacketError } from './packet.js';
export { PacketReader } from './packet-reader.js';
export type { PacketWriterOptions } from './packet-writer.js';
export { PacketWriter } from './packet-writer.js';
export type { RouteDictionaryInit } from './route-dictionary.js';
export { RouteDictionary } from './route-dictionary.js';
export type { JsonSerializerOptions, Serializer } from './serializer.js';
export { createJsonSerializer, jsonSerializer } from './serializer.js';
export type { Utf8Codec } from './utf8.js';
export { decodeUtf8, encodeUtf8, jsUtf8, utf8, utf8Length, writeUtf8 } from './utf8.js';
export type { VarintRead } from './varint.js';
export { readVarint, varintLength, writeVarint } from './varint.js';
