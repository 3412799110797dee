// The Node entry encodes requests and notifies into pooled slabs (PacketWriter): the bytes must be exactly those of
// encodeDataPacket, with the handshake's route dictionary, and every packet must stay intact after later ones. It
// decodes with a MessageReader, which remembers the routes it read: every push must still reach its own listeners.
import {
  encodeDataPacket,
  encodePacket,
  type MessageInit,
  MessageType,
  PacketType,
  RouteDictionary,
} from '@nanokit/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeClient } from './fake-transport.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('Node entry: requests and notifies from pooled slabs', () => {
  it('sends the bytes of encodeDataPacket (route codes from the handshake), as views that later packets leave intact', async () => {
    vi.useFakeTimers();
    const { ft, client } = fakeClient({ maxInFlight: 0 }); // no cap: every request goes out at once
    const queued = client.connect().catch(() => {}); // connecting: this notify is queued, encoded without a dictionary
    client.notify('Chat.Early', { n: 0 });
    await vi.advanceTimersByTimeAsync(0);
    ft.last.open();
    ft.last.handshake(30, { 'Room.Join': 1 });
    await queued;
    const expected: Uint8Array[] = [
      encodeDataPacket({ type: MessageType.Notify, route: 'Chat.Early', body: '{"n":0}' }),
    ];
    const dictionary = new RouteDictionary({ 'Room.Join': 1 });
    const sends: MessageInit[] = [];
    for (let i = 1; i <= 40; i++) {
      const body = { i, text: 'x'.repeat(i * 7) };
      client.request('Room.Join', body).catch(() => {});
      sends.push({ type: MessageType.Request, id: i, route: 'Room.Join', body: JSON.stringify(body) });
      client.notify('Chat.Say', body);
      sends.push({ type: MessageType.Notify, route: 'Chat.Say', body: JSON.stringify(body) });
    }
    for (const msg of sends) expected.push(encodeDataPacket(msg, { dictionary }));
    const data = ft.last.sent.filter((bytes) => bytes[0] === PacketType.Data);
    expect(data.map((bytes) => Array.from(bytes))).toEqual(expected.map((bytes) => Array.from(bytes)));
    expect(data.some((bytes) => bytes.byteLength !== bytes.buffer.byteLength)).toBe(true);
    client.close();
  });
});

describe('Node entry: messages decoded by a MessageReader', () => {
  it('pushes reach the listeners of their own route, whatever route came before, compressed or not', async () => {
    vi.useFakeTimers();
    const { ft, client } = fakeClient();
    const connected = client.connect();
    await vi.advanceTimersByTimeAsync(0);
    ft.last.open();
    ft.last.handshake(30, { 'Room.Moved': 5 });
    await connected;
    const got: string[] = [];
    for (const route of ['onMove', 'onMovf', 'chat.房间', 'é', 'Room.Moved', 'x']) {
      client.on(route, (body: { n: number }) => got.push(`${route} ${body.n}`));
    }
    const dictionary = new RouteDictionary({ 'Room.Moved': 5 });
    const sequence = [
      'onMove',
      'onMove',
      'onMovf',
      'onMove',
      'chat.房间',
      'chat.房间',
      'é',
      'Room.Moved',
      'x',
      'onMove',
    ];
    sequence.forEach((route, n) => {
      const msg = { type: MessageType.Push, route, body: JSON.stringify({ n }) } as const;
      ft.last.receive(encodePacket(PacketType.Data, encodeDataPacket(msg, { dictionary }).subarray(4)));
    });
    expect(got).toEqual(sequence.map((route, n) => `${route} ${n}`));
    client.close();
  });

  it('after a reconnect with another dictionary, compressed pushes are read with the new one', async () => {
    vi.useFakeTimers();
    const { ft, client } = fakeClient({ reconnect: { initialDelay: 1, maxDelay: 1 } });
    const connected = client.connect();
    await vi.advanceTimersByTimeAsync(0);
    ft.last.open();
    ft.last.handshake(30, { a: 5 });
    await connected;
    const got: string[] = [];
    client.on('a', () => got.push('a'));
    client.on('b', () => got.push('b'));
    client.on('error', (error) => got.push(error instanceof Error ? error.message : String(error)));
    const send = (route: string, dict: Record<string, number>) => {
      const msg = { type: MessageType.Push, route, body: '{}' } as const;
      const dictionary = new RouteDictionary(dict);
      ft.last.receive(encodePacket(PacketType.Data, encodeDataPacket(msg, { dictionary }).subarray(4)));
    };
    send('a', { a: 5 });
    const first = ft.last;
    ft.last.drop();
    await vi.advanceTimersByTimeAsync(5000);
    expect(ft.last).not.toBe(first);
    ft.last.open();
    ft.last.handshake(30, { b: 5 });
    await vi.advanceTimersByTimeAsync(0);
    send('b', { b: 5 });
    expect(got).toEqual(['a', 'b']);
    client.close();
  });
});
