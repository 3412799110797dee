/// <reference types="node" />
/**
 * @nanokit/client for Node: everything of the main entry, plus the TCP transport, and a {@link NanoClient} whose
 * default transport is `ws` (for `ws://`/`wss://`) or TCP (for `tcp://`). `@nanokit/client` resolves here in Node
 * through the `node` export condition, so `new NanoClient({ url })` works with no setup.
 * @packageDocumentation
 */
import { gunzipSync, inflateSync } from 'node:zlib';
import {
  type CompressionFormat,
  MAX_PACKET_BODY_LENGTH,
  type Message,
  type MessageDecodeOptions,
  type MessageEncodeOptions,
  type MessageInit,
  MessageReader,
  PacketWriter,
} from '@nanokit/protocol';
import { NanoClient as BaseNanoClient } from './client.js';
import { debugTransport } from './debug.js';
import { debugFromEnv } from './debug-env.js';
import type { AnyPushes, AnyRoutes, NanoClientOptions } from './options.js';
import type { PendingRequest } from './requests.js';
import { SlotMap } from './slot-map.js';
import type { TransportFactory } from './transport.js';
import { nodeTransport } from './transports/node-default.js';
import { unhandledReporter } from './unhandled.js';

export type { DebugTraceOptions } from './debug.js';
export { debugTransport } from './debug.js';
export * from './index.js';
export { nodeTransport } from './transports/node-default.js';
export type { TcpTransportOptions } from './transports/tcp.js';
export { tcpTransport } from './transports/tcp.js';

/** Writes a trace line to stderr. */
function stderr(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Inflates zlib (pitaya) and gzip bodies with `node:zlib`, refusing more than the protocol's largest packet body. */
function inflate(bytes: Uint8Array, format: CompressionFormat): Uint8Array {
  return (format === 'gzip' ? gunzipSync : inflateSync)(bytes, { maxOutputLength: MAX_PACKET_BODY_LENGTH });
}

/**
 * {@link BaseNanoClient} with Node defaults: `ws` for ws:// and wss:// URLs, TCP for tcp:// URLs, and `inflate` from
 * `node:zlib` (pitaya compresses its handshake reply and bodies with zlib by default).
 */
export class NanoClient<Routes extends object = AnyRoutes, Pushes extends object = AnyPushes> extends BaseNanoClient<
  Routes,
  Pushes
> {
  private readonly report: (error: unknown) => void;
  /** Encodes this client's requests and notifies into pooled slabs (created with the first one). */
  private writer: PacketWriter | undefined;
  /** Decodes this client's messages, remembering the routes it read (created with the first one). */
  private reader: MessageReader | undefined;

  constructor(options: NanoClientOptions) {
    const debug = options && options.debug !== undefined ? options.debug : debugFromEnv(process.env);
    // The client's inflater: pitaya's compressed handshake carries the dictionary that names compressed routes.
    const inflater = (options && options.inflate) || inflate;
    const trace = debug ? { log: stderr, inflate: inflater, ...(debug === true ? {} : debug) } : undefined;
    if (trace) options = { ...options, transport: debugTransport(options.transport || nodeTransport(), trace) };
    super(options && !options.inflate ? { ...options, inflate } : options);
    // The trace names routes with the client's dictionary too: a handshake cache may have supplied it.
    if (trace && !trace.handshake) trace.handshake = () => this.handshake;
    const env = options.env || {};
    this.report = unhandledReporter(options.unhandledErrors, env.setTimeout || setTimeout);
    // The transport sees each attempt; the delay before the next one is the client's to tell.
    if (trace) this.on('reconnecting', (e) => trace.log(`nanokit reconnecting: attempt ${e.attempt} in ${e.delay} ms`));
  }

  /** Logs each distinct unhandled error once with a hint, or throws it on a fresh stack (`unhandledErrors`). */
  protected override unhandled(error: unknown): void {
    this.report(error);
  }

  /**
   * Packets are views into a slab shared by this client's packets (a typed array over 64 bytes with a buffer of its
   * own costs more than encoding a small message); a slab region is never reused.
   */
  protected override encodeData(msg: MessageInit, options: MessageEncodeOptions): Uint8Array {
    // 4 KiB slabs, not the default 16: each client holds one (10,000 bots: 40 MiB); a packet whose worst case is
    // over 1 KiB (3 bytes per character of text) gets an array of its own.
    const writer =
      this.writer || (this.writer = new PacketWriter({ maxBodyLength: options.maxBodyLength, slabSize: 4096 }));
    writer.dictionary = options.dictionary;
    return writer.encodeDataPacket(msg);
  }

  /**
   * A push route that comes again (a game pushes a few routes over and over) is compared with the one read before
   * instead of being decoded, and is then the same string as before, which the listener table finds without a
   * string-table lookup. The dictionary is set per message: a reconnect may bring another one.
   */
  protected override decodeData(bytes: Uint8Array, options: MessageDecodeOptions): Message {
    const reader = this.reader || (this.reader = new MessageReader());
    reader.dictionary = options.dictionary;
    return reader.decode(bytes);
  }

  /**
   * @internal A `Map` that keeps the lone pending request of one-at-a-time use out of its table: bots and load tests run
   * thousands of clients in one process, where the `Map` costs each answer a cache miss and, every few requests, a
   * table rebuilt. Browsers, with one client, keep the plain `Map` (and the bytes).
   */
  protected override requestMap(): SlotMap<number, PendingRequest> {
    return new SlotMap();
  }

  protected override defaultTransport(): TransportFactory {
    return nodeTransport();
  }
}
