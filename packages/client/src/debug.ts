/**
 * @nanokit/client/debug — a readable trace of a connection: its life (connecting, open, errors, close code and who
 * closed) and every packet in and out, decoded (type, id, route, body size; bodies when asked). It wraps a transport,
 * so the client itself carries no tracing code: off means not there. The Node entry wires it in for the `debug`
 * option and `DEBUG=nanokit*` / `NANOKIT_DEBUG=1`; in browsers, wrap the transport:
 *
 * @example
 * import { NanoClient, webSocketTransport } from '@nanokit/client';
 * import { debugTransport } from '@nanokit/client/debug';
 * const client = new NanoClient({ url, transport: debugTransport(webSocketTransport(), { bodies: true }) });
 * // With a handshake cache, let the trace read the dictionary the cache supplied:
 * const cached = new NanoClient({
 *   url,
 *   handshakeCache: createHandshakeCache(),
 *   transport: debugTransport(webSocketTransport(), { handshake: () => cached.handshake }),
 * });
 * @packageDocumentation
 */
import {
  decodeMessage,
  decodePackets,
  decodeUtf8,
  type HandshakeResponse,
  type Inflate,
  MAX_PACKET_BODY_LENGTH,
  MessageType,
  PacketType,
  parseHandshakeResponse,
  type RouteDictionary,
} from '@nanokit/protocol';
import type { TransportFactory } from './transport.js';

/** Options of {@link debugTransport}. */
export interface DebugTraceOptions {
  /**
   * Also print bodies: UTF-8 text as is (JSON), other bytes as hex; at most `maxBodyLength` characters each.
   * @default false
   */
  bodies?: boolean;
  /**
   * Longest body printed, in characters (the rest is cut, with its size).
   * @default 500
   */
  maxBodyLength?: number;
  /**
   * Where trace lines go.
   * @default console.log (the Node entry writes to stderr)
   */
  log?: (line: string) => void;
  /** Clock for the `+ms` between lines. @default Date.now */
  now?: () => number;
  /**
   * Inflates a compressed handshake reply (pitaya's), so that its route dictionary names compressed routes in the
   * trace: pass the client's `inflate` (the Node entry does).
   * @default undefined: a compressed reply is traced as such, and the routes it compresses as codes
   */
  inflate?: Inflate;
  /**
   * The client's current handshake, read when a message is traced: its dictionary names compressed routes when the
   * server's reply carried none because a handshake cache supplied it. Pass `() => client.handshake` (the Node entry
   * does).
   * @default undefined: routes compressed with a cached dictionary are traced as undecodable
   */
  handshake?: () => HandshakeResponse | undefined;
}

const PACKETS = ['', 'Handshake', 'HandshakeAck', 'Heartbeat', 'Data', 'Kick'];
const MESSAGES = ['Request', 'Notify', 'Response', 'Push'];

/** Hex of the first `max` / 2 bytes. */
function hex(bytes: Uint8Array, max: number): string {
  let out = '';
  for (let i = 0; i < bytes.length && out.length < max; i++) out += (bytes[i] as number).toString(16).padStart(2, '0');
  return out;
}

/**
 * Wraps `factory` so that each connection it opens is traced: one line per event, e.g.
 * `nanokit #1 +3ms → Request #1 Room.Join 27 B`. Tracing never throws into the connection: a packet it cannot
 * decode is printed as bytes.
 * @param factory - the transport to trace, e.g. `webSocketTransport()`.
 */
export function debugTransport(factory: TransportFactory, options: DebugTraceOptions = {}): TransportFactory {
  const {
    bodies = false,
    maxBodyLength = 500,
    log = (line: string) => console.log(line),
    now = Date.now,
    inflate,
  } = options;
  let connections = 0;
  return (connect, handlers) => {
    const n = ++connections;
    let last = now();
    /** Request id → route, to name responses. */
    const routes = new Map<number, string>();
    let dictionary: RouteDictionary | undefined;
    const line = (text: string) => {
      const t = now();
      try {
        log(`nanokit #${n} +${t - last}ms ${text}`);
      } catch {
        // A logger that throws loses its line, not the connection.
      }
      last = t;
    };
    const body = (bytes: Uint8Array): string => {
      if (!bodies || bytes.length === 0) return '';
      let text: string;
      try {
        text = decodeUtf8(bytes);
      } catch {
        text = `0x${hex(bytes, maxBodyLength)}`;
      }
      return ` ${text.length > maxBodyLength ? `${text.slice(0, maxBodyLength)}…` : text}`;
    };
    const packet = (arrow: string, type: number, data: Uint8Array) => {
      const name = PACKETS[type] || `type ${type}`;
      let text = `${arrow} ${name} ${data.length} B`;
      try {
        if (type === PacketType.Data) {
          // The reply's own dictionary, else the client's (a handshake cache filled in what the server left out).
          const hs = !(dictionary && dictionary.size) && options.handshake && options.handshake();
          const msg = decodeMessage(data, { dictionary: hs ? hs.dictionary : dictionary });
          const { id } = msg;
          let route = msg.route;
          if (msg.type === MessageType.Request) routes.set(id, route);
          else if (msg.type === MessageType.Response) {
            route = routes.get(id) || '?';
            routes.delete(id);
          }
          const flags = `${msg.error ? ' error' : ''}${msg.gzip ? ' compressed' : ''}`;
          text = `${arrow} ${MESSAGES[msg.type]}${id ? ` #${id}` : ''} ${route} ${msg.body.length} B${flags}${body(msg.body)}`;
        } else if (type === PacketType.Handshake && arrow === '←') {
          try {
            const hs = parseHandshakeResponse(data, inflate ? { inflate } : {});
            dictionary = hs.dictionary;
            // As announced, to the µs: a tiny heartbeat shows as 0.7 ms, not 1 or 0 (the client raises it to 100 ms).
            text += ` code ${hs.code} heartbeat ${+(hs.heartbeat * 1000).toFixed(3)} ms${dictionary && dictionary.size ? ` dict ${dictionary.size} routes` : ''}`;
          } catch (error) {
            text += ` (${(error as Error).message})`;
          }
          text += body(data);
        } else text += body(data);
      } catch (error) {
        text += ` undecodable (${(error as Error).message}) 0x${hex(data, 64)}`;
      }
      line(text);
    };
    const bytes = (arrow: string, data: Uint8Array) => {
      try {
        for (const p of decodePackets(data, { maxBodyLength: MAX_PACKET_BODY_LENGTH })) packet(arrow, p.type, p.body);
      } catch (error) {
        line(`${arrow} ${data.length} B not packets (${(error as Error).message}) 0x${hex(data, 64)}`);
      }
    };
    let closed = false;
    line(`connecting ${connect.url}`);
    const transport = factory(connect, {
      onOpen() {
        line('open');
        handlers.onOpen();
      },
      onMessage(data) {
        bytes('←', data);
        handlers.onMessage(data);
      },
      onPacket(type, data) {
        packet('←', type, data);
        handlers.onPacket(type, data);
      },
      onError(error) {
        line(`error ${(error as { code?: string }).code || ''} ${(error as Error).message || String(error)}`);
        if (handlers.onError) handlers.onError(error);
      },
      onClose(info) {
        closed = true;
        line(`closed ${info.code} ${info.reason || '""'}${info.wasClean ? '' : ' (not clean)'}`);
        handlers.onClose(info);
      },
    });
    return {
      send(data) {
        bytes('→', data);
        return transport.send(data);
      },
      close(code, reason) {
        if (!closed) line(`close ${code === undefined ? '' : code} ${reason || ''} (by the client)`);
        transport.close(code, reason);
      },
    };
  };
}
