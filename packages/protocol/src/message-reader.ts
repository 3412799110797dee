/**
 * A per-connection message decoder: {@link decodeMessage} with the connection's dictionary, remembering the
 * uncompressed routes it read.
 * @packageDocumentation
 */
import { type Message, readMessage } from './message.js';
import type { RouteDictionary } from './route-dictionary.js';
import { decodeUtf8Range } from './utf8.js';

/** Options of {@link MessageReader}. */
export interface MessageReaderOptions {
  /** Resolves compressed routes. Can be replaced later through {@link MessageReader.dictionary}. */
  dictionary?: RouteDictionary | undefined;
}

/**
 * Decodes messages as {@link decodeMessage} does, with the same results and errors, but faster when the same
 * uncompressed ASCII route comes again (a push route, a request route on a server), even with others in between: its
 * bytes are compared with those of the route read before instead of being decoded into a new string. The route is
 * then the very same string as before, which a listener table keyed by routes finds at once, where a new string must
 * be looked up afresh. Use one per connection, as {@link PacketWriter} on the sending side (it is not shared state:
 * nothing is module-level).
 *
 * @example
 * const reader = new MessageReader({ dictionary });
 * const msg = reader.decode(packet.body);
 */
export class MessageReader {
  /** Resolves compressed routes; set it when a handshake brings a new dictionary. */
  dictionary: RouteDictionary | undefined;
  /**
   * Routes read before, ASCII only (so that their bytes are their character codes), in 16 slots picked from a route's
   * length and three of its bytes: a game's few push routes, even interleaved, each keep a slot of their own.
   */
  private readonly routes: string[] = ['', '', '', '', '', '', '', '', '', '', '', '', '', '', '', ''];

  constructor(options?: MessageReaderOptions) {
    this.dictionary = options?.dictionary;
  }

  /**
   * Decodes one message (the body of a Data packet), as {@link decodeMessage} with {@link MessageReader.dictionary}.
   * @throws {ProtocolError} as {@link decodeMessage}.
   */
  decode(bytes: Uint8Array): Message {
    return readMessage(bytes, this.dictionary, this.readRoute);
  }

  /** `bytes[start, end)` as a route: one read before when the bytes are the same. An arrow: passed unbound. */
  private readonly readRoute = (bytes: Uint8Array, start: number, end: number): string => {
    const length = end - start;
    if (length === 0) return '';
    const slot =
      (length +
        (bytes[start] as number) * 3 +
        (bytes[start + (length >> 1)] as number) * 5 +
        (bytes[end - 1] as number)) &
      15;
    const known = this.routes[slot] as string;
    if (known.length === length) {
      let i = 0;
      while (i < length && bytes[start + i] === known.charCodeAt(i)) i++;
      if (i === length) return known;
    }
    const route = decodeUtf8Range(bytes, start, end);
    // As many characters as bytes: ASCII, which the comparison above needs.
    if (route.length === length) this.routes[slot] = route;
    return route;
  };
}
