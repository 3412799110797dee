// Issue 17, mixed fleets: frames from the deployed JS clients' own encoder (pomelo-protocol 0.1.6 in browser mode,
// ./old-protocol.ts) through the server-lite chat example (examples/chat), read back by a nanokit client and by the old
// clients' own decoder; and the decoder fuzzed with the old encoder's output.
import { NanoClient } from '@nanokit/client';
import { decodeUtf8, jsUtf8 } from '@nanokit/protocol';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { type ChatServer, startChatServer } from '../../examples/chat/chat-server.mjs';
import { loadOldProtocol, oldClient } from './old-protocol.ts';

const P = loadOldProtocol();
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/** `text` with each lone surrogate replaced by U+FFFD: what a repaired decode gives. */
const repaired = (text: string) =>
  text.replace(/[\ud800-\udbff][\udc00-\udfff]|[\ud800-\udfff]/g, (s) => (s.length === 2 ? s : '\ufffd'));

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

async function room() {
  const chat: ChatServer = await startChatServer({ port: 0, quiet: true });
  cleanups.push(() => chat.close());
  const a = await oldClient(chat.wsUrl, P);
  const b = await oldClient(chat.wsUrl, P);
  const n = new NanoClient({ url: chat.wsUrl, reconnect: false });
  cleanups.push(
    () => a.close(),
    () => b.close(),
    () => n.close(),
  );
  await n.connect();
  for (const c of [a, b]) expect(await c.request('room.join', {})).toEqual({ code: 0, result: 'success' });
  expect(await n.request('room.join', {})).toEqual({ code: 0, result: 'success' });
  return { a, b, n };
}

const MESSAGES = [
  'emoji 😀🎉👍🏽 and a family 👨‍👩‍👧',
  'CJK 世界 漢字 한국어 日本語',
  'mixed é ñ ß 😀 世 𝄞',
  'lone surrogates: \ud800 high, \udc00 low, reversed \udc00\ud800, then a pair \ud83d\ude00',
  'at the edges: \udbff\udfff (U+10FFFF), \ud800\udc00 (U+10000)',
];

describe('old clients (pomelo-protocol 0.1.6, browser mode) and nanokit in one chat room (server-lite)', () => {
  it('the old encoder is in browser mode: CESU-8, a surrogate as 3 bytes', () => {
    expect(hex(P.strencode('😀'))).toBe('eda0bdedb880');
    expect(hex(P.strencode('\ud800'))).toBe('eda080');
  });

  it('messages from the old encoder reach nanokit and the old decoder as typed', async () => {
    const { a, b, n } = await room();
    for (const content of MESSAGES) {
      const pushed = new Promise((resolve) => n.once('onMessage', resolve));
      a.notify('room.message', { name: 'old', content });
      // Lone surrogates too: today's JSON.stringify writes them as \u escapes, which every side reads back.
      const expected = { name: 'old', content };
      expect(await pushed).toEqual(expected);
      expect(await b.next('onMessage')).toEqual(expected);
      expect(await a.next('onMessage')).toEqual(expected);
    }
    // What went on the wire was CESU-8: the old client's notify holds `ed a0 bd ed b8 80` for 😀.
    expect(a.sent.some((bytes) => hex(bytes).includes('eda0bdedb880'))).toBe(true);
  });

  it('lone surrogates as raw CESU-8 (JSON.stringify before ES2019) arrive as U+FFFD, pairs as their character', async () => {
    const { a, b, n } = await room();
    for (const content of MESSAGES) {
      const pushed = new Promise((resolve) => n.once('onMessage', resolve));
      a.notify('room.message', { name: 'old', content }, { oldJson: true });
      const expected = { name: 'old', content: repaired(content) };
      expect(await pushed).toEqual(expected);
      expect(await b.next('onMessage')).toEqual(expected);
    }
    expect(a.sent.some((bytes) => hex(bytes).includes('3a20eda08020'))).toBe(true); // ": ", a lone \ud800, " "
  });

  it('messages from nanokit reach the old decoder as typed', async () => {
    const { a, n } = await room();
    for (const content of MESSAGES) {
      n.notify('room.message', { name: 'new', content });
      expect(await a.next('onMessage')).toEqual({ name: 'new', content });
    }
  });
});

describe('fuzz: the old encoder, then our decoder', () => {
  /** Strings rich in surrogates, paired and lone, next to ASCII, BMP and astral characters. */
  const text = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 60 }),
    fc
      .array(
        fc.oneof(
          fc.integer({ min: 0, max: 0xffff }),
          fc.integer({ min: 0xd800, max: 0xdfff }),
          fc.constantFrom(0x41, 0xe9, 0x4e16),
        ),
        { maxLength: 60 },
      )
      .map((units) => String.fromCharCode(...units)),
  );

  it('gives the original string, or one that differs only where a lone surrogate became U+FFFD', () => {
    fc.assert(
      fc.property(text, fc.integer({ min: 1, max: 4 }), (s, repeat) => {
        const original = s.repeat(repeat); // long enough, at times, for the native decoder path
        const bytes = Uint8Array.from(P.strencode(original));
        for (const decoded of [decodeUtf8(bytes), jsUtf8.decode(bytes)]) {
          expect(decoded.length).toBe(original.length);
          for (let i = 0; i < original.length; i++) {
            if (decoded[i] === original[i]) continue;
            const c = original.charCodeAt(i);
            const paired =
              c < 0xdc00
                ? (original.charCodeAt(i + 1) & 0xfc00) === 0xdc00
                : (original.charCodeAt(i - 1) & 0xfc00) === 0xd800;
            expect(
              c >> 11 === 0x1b && !paired && decoded[i] === '\ufffd',
              `index ${i} of ${JSON.stringify(original)}`,
            ).toBe(true);
          }
        }
      }),
      { numRuns: 3000 },
    );
  });
});
