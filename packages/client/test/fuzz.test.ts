// Property test of the client's receive path over a real socket: a peer on 127.0.0.1 completes the handshake, then
// sends WebSocket messages of random bytes, of random packets with correct headers, and of Data packets with random
// message flags, ids, route codes and bodies. Whatever arrives, the client must never throw out of a socket callback
// or leave a request hanging: it delivers what is valid, reports what is not as a typed NanoError, and closes that one
// connection (4002 protocol-error, or 4003 for a Kick) only when the framing is lost.
import { isNanoError, NanoClient } from '@nanokit/client';
import { encodePacket, PacketType } from '@nanokit/protocol';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNothingLeft } from './nothing-left.js';
import { NO_REPLY, Peer } from './peer.js';

let peer: Peer;
beforeAll(async () => {
  // Route codes 1–3 exist, so random compressed routes hit both known and unknown codes.
  peer = await Peer.start({ dict: { 'Room.Join': 1, onMessage: 2, 'fuzz.end': 3 } });
  peer.on('Fuzz.Wait', () => NO_REPLY);
});
afterAll(() => peer.close());

/** Waits for `promise`, failing (after `cleanup`) when it takes longer than `ms`: a hang is a failure, not a timeout. */
async function within(ms: number, promise: Promise<void>, cleanup: () => void): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      cleanup();
      reject(new Error(`the client neither delivered the end marker nor closed within ${ms} ms`));
    }, ms);
  });
  try {
    await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** A packet with a correct 4-byte header around `body`. */
const packet = (type: number, body: Uint8Array) => {
  const out = new Uint8Array(4 + body.length);
  out.set([type, body.length >> 16, (body.length >> 8) & 0xff, body.length & 0xff]);
  out.set(body, 4);
  return out;
};

/** A Data packet whose message has a random flag byte, then random id/route/body bytes. */
const dataPacket = fc
  .tuple(fc.integer({ min: 0, max: 255 }), fc.uint8Array({ maxLength: 40 }))
  .map(([flag, rest]) => packet(PacketType.Data, Uint8Array.of(flag, ...rest)));

/** A push or response that is well formed on the wire, with a random (maybe non-JSON) body. */
const wellFormed = fc
  .tuple(fc.constantFrom(0x04, 0x06, 0x07, 0x24), fc.uint8Array({ maxLength: 24 }))
  .map(([flag, body]) =>
    flag === 0x06
      ? packet(PacketType.Data, Uint8Array.of(flag, 9, ...new TextEncoder().encode('onMessage'), ...body))
      : flag === 0x07
        ? packet(PacketType.Data, Uint8Array.of(flag, 0, 2, ...body))
        : packet(PacketType.Data, Uint8Array.of(flag, 1, ...body)),
  );

const frame = fc.oneof(
  fc.uint8Array({ maxLength: 48 }),
  // Packet types 1–5 (Handshake, Ack, Heartbeat, Data, Kick) and invalid ones, with random bodies.
  fc
    .tuple(fc.oneof(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 255 })), fc.uint8Array({ maxLength: 24 }))
    .map(([t, b]) => packet(t, b)),
  dataPacket,
  wellFormed,
  // Several packets in one message, or one cut short.
  fc
    .array(fc.oneof(dataPacket, wellFormed), { minLength: 2, maxLength: 4 })
    .map((ps) => new Uint8Array(Buffer.concat(ps))),
  dataPacket.chain((p) => fc.integer({ min: 1, max: p.length - 1 }).map((n) => p.subarray(0, n))),
);

describe('client receive path under random input (real ws peer)', () => {
  it('never throws, never hangs a request, reports typed errors, and closes only on lost framing', async () => {
    // What the runs went through: each outcome must have happened, or the generators missed a path.
    const seen = { protocolClose: 0, kick: 0, errorEvent: 0, survived: 0, answered: 0 };
    await fc.assert(
      fc.asyncProperty(fc.array(frame, { minLength: 1, maxLength: 5 }), async (frames) => {
        const client = new NanoClient({ url: peer.wsUrl, reconnect: false });
        const errors: unknown[] = [];
        const closes: number[] = [];
        client.on('error', (error) => errors.push(error));
        client.on('disconnect', ({ code }) => closes.push(code));
        const next = peer.nextConnection();
        await client.connect();
        const conn = await next;
        // A request the peer never answers: it must settle whatever happens (response, protocol error or close()).
        const pending = client.request('Fuzz.Wait', {}).then(
          (value) => ({ value }),
          (error: unknown) => ({ error }),
        );
        const done = new Promise<void>((resolve) => {
          client.on('fuzz.end', () => resolve());
          client.on('disconnect', () => resolve());
        });
        for (const bytes of frames) conn.send(bytes);
        conn.push('fuzz.end', {}); // arrives unless the client closed the connection first
        await within(2000, done, () => client.close());

        for (const error of errors) expect(isNanoError(error), String(error)).toBe(true);
        for (const code of closes) expect([4002, 4003]).toContain(code);
        if (closes.includes(4002)) seen.protocolClose++;
        if (closes.includes(4003)) seen.kick++;
        if (errors.length > 0) seen.errorEvent++;
        if (closes.length === 0) seen.survived++;
        client.close();
        const settled = await pending;
        if (!('error' in settled) || !/closed: 1000|closed: 400[23]/.test(String(settled.error))) {
          seen.answered++; // a random Response for id 1 settled it (a value, a ServerError or a payload error)
        }
        if ('error' in settled) expect(isNanoError(settled.error), String(settled.error)).toBe(true);
        expectNothingLeft(client);
      }),
      { numRuns: 150, seed: 20261124 },
    );
    console.log(`[fuzz] outcomes of 150 runs: ${JSON.stringify(seen)}`);
    for (const [outcome, runs] of Object.entries(seen)) expect(runs, outcome).toBeGreaterThan(0);
  });

  it('reaches the client through the harness: a server heartbeat gets an answer (sanity check)', async () => {
    // heartbeat: false makes the client answer every server heartbeat (it never beats on its own).
    const client = new NanoClient({ url: peer.wsUrl, reconnect: false, heartbeat: false });
    const next = peer.nextConnection();
    await client.connect();
    const conn = await next;
    const before = conn.heartbeats;
    conn.send(encodePacket(PacketType.Heartbeat)); // the client answers a server heartbeat
    await expect.poll(() => conn.heartbeats).toBeGreaterThan(before);
    client.close();
  });
});
