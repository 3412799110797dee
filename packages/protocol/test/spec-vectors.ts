/**
 * The whole-packet vectors V1–V30 (docs/protocol.md, test vectors) as literal hex, for the streaming, property and differential tests
 * (vectors.test.ts has the same vectors expanded into decode / encode / mirror tests).
 */
export const SPEC_PACKETS: ReadonlyArray<readonly [name: string, hex: string]> = [
  ['V1 heartbeat', '03 00 00 00'],
  ['V1 handshake ack', '02 00 00 00'],
  ['V2 empty handshake', '01 00 00 00'],
  [
    'V3a starx handshake',
    '01 00 00 3a 7b 22 73 79 73 22 3a 7b 22 74 79 70 65 22 3a 22 6a 73 2d 77 65 62 73 6f 63 6b 65 74 22 2c 22 76 65' +
      '72 73 69 6f 6e 22 3a 22 30 2e 30 2e 31 22 2c 22 72 73 61 22 3a 7b 7d 7d 7d',
  ],
  [
    'V6 jmesyan handshake reply',
    '01 00 00 23 7b 22 63 6f 64 65 22 3a 32 30 30 2c 22 73 79 73 22 3a 7b 22 68 65 61 72 74 62 65 61 74 22 3a 33 30' +
      '7d 7d',
  ],
  ['V7 request Room.Join', '04 00 00 13 00 01 09 52 6f 6f 6d 2e 4a 6f 69 6e 7b 22 61 22 3a 31 7d'],
  ['V8 compressed request', '04 00 00 0b 01 01 00 01 7b 22 61 22 3a 31 7d'],
  ['V9 room.join {}', '04 00 00 0e 00 01 09 72 6f 6f 6d 2e 6a 6f 69 6e 7b 7d'],
  [
    'V10 notify room.message',
    '04 00 00 29 02 0c 72 6f 6f 6d 2e 6d 65 73 73 61 67 65 7b 22 6e 61 6d 65 22 3a 22 61 22 2c 22 63 6f 6e 74 65 6e' +
      '74 22 3a 22 68 69 22 7d',
  ],
  ['V11 compressed notify 0x0102', '04 00 00 05 03 01 02 7b 7d'],
  [
    'V12 push onMessage',
    '04 00 00 26 06 09 6f 6e 4d 65 73 73 61 67 65 7b 22 6e 61 6d 65 22 3a 22 61 22 2c 22 63 6f 6e 74 65 6e 74 22 3a' +
      '22 68 69 22 7d',
  ],
  [
    'V13a compressed push',
    '04 00 00 1e 07 00 02 7b 22 6e 61 6d 65 22 3a 22 61 22 2c 22 63 6f 6e 74 65 6e 74 22 3a 22 68 69 22 7d',
  ],
  ['V13b compressed push code 0', '04 00 00 05 07 00 00 7b 7d'],
  ['V14 benchmark ping', '04 00 00 12 02 10 54 65 73 74 48 61 6e 64 6c 65 72 2e 50 69 6e 67'],
  ['V15 benchmark pong', '04 00 00 06 06 04 70 6f 6e 67'],
  [
    'V16 response id 1',
    '04 00 00 1f 04 01 7b 22 63 6f 64 65 22 3a 30 2c 22 72 65 73 75 6c 74 22 3a 22 73 75 63 63 65 73 73 22 7d',
  ],
  ['V17a response id 300', '04 00 00 05 04 ac 02 7b 7d'],
  ['V17b request id 300', '04 00 00 09 00 ac 02 03 41 2e 42 7b 7d'],
  ['V18 response id 16384', '04 00 00 06 04 80 80 01 7b 7d'],
  ['V18 response id 2^32-1', '04 00 00 08 04 ff ff ff ff 0f 7b 7d'],
  ['V19 route é.x', '04 00 00 09 00 02 04 c3 a9 2e 78 7b 7d'],
  ['V20 heartbeat + response', '03 00 00 00 04 00 00 04 04 05 7b 7d'],
  ['V21 empty-body response', '04 00 00 02 04 01'],
  ['V22 minimal notify', '04 00 00 02 02 00'],
  ['V26 pitaya error response', '04 00 00 04 24 01 7b 7d'],
  ['V26 notify with bit 4', '04 00 00 04 12 01 61 78'],
  ['V28a kick with reason', '05 00 00 11 7b 22 72 65 61 73 6f 6e 22 3a 22 6b 69 63 6b 22 7d'],
  ['V28b empty kick', '05 00 00 00'],
  ['V30 1-byte body', '04 00 00 01 0c'],
  ['V30 3-byte body', '04 00 00 03 06 01 70'],
];

/** The dictionary the spec vectors use (V8, V11, V13). */
export const SPEC_DICT = { 'Room.Join': 1, onMessage: 2, 'Chat.Send': 0x0102, onZero: 0 } as const;

/** Deterministic PRNG (mulberry32) for seeded random splits. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
