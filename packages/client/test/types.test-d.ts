// Type-level tests, checked by `npm run typecheck` (tsc; vitest's expectTypeOf fails compilation on a mismatch).
// Not a runtime suite: vitest only runs *.test.ts.
import type { ClientState, DisconnectEvent, HandshakeResponse, KickEvent, ReconnectingEvent } from '@nanokit/client';
import { NanoClient } from '@nanokit/client';
import { expectTypeOf } from 'vitest';

interface Routes {
  'Room.Join': { request: { name: string }; response: { id: number; members: string[] } };
  'Room.Leave': { request: undefined; response: { ok: boolean } };
  'Chat.Say': { request: { text: string } };
}
interface Pushes {
  onMessage: { from: string; text: string };
  onMembers: string[];
  // A push whose name collides with a lifecycle event.
  error: { reason: string };
}

export function typedClient(c: NanoClient<Routes, Pushes>): void {
  expectTypeOf(c.request('Room.Join', { name: 'alice' })).toEqualTypeOf<Promise<{ id: number; members: string[] }>>();
  expectTypeOf(c.request('Room.Leave')).toEqualTypeOf<Promise<{ ok: boolean }>>();
  // @ts-expect-error an unknown route
  void c.request('Room.Nope', {});
  // @ts-expect-error a wrong request body
  void c.request('Room.Join', { name: 1 });
  c.notify('Chat.Say', { text: 'hi' });
  // @ts-expect-error a wrong notify body
  c.notify('Chat.Say', { txt: 'hi' });

  c.on('onMessage', (body) => expectTypeOf(body).toEqualTypeOf<{ from: string; text: string }>());
  c.once('onMembers', (body) => expectTypeOf(body).toEqualTypeOf<string[]>());
  expectTypeOf(c.on('onMembers', () => {})).toEqualTypeOf<() => void>();
  // @ts-expect-error an unknown push route
  c.on('onNope', () => {});
  // Lifecycle names take lifecycle payloads; the colliding push is reached with onPush.
  c.on('error', (e) => expectTypeOf(e).toEqualTypeOf<unknown>());
  c.onPush('error', (body) => expectTypeOf(body).toEqualTypeOf<{ reason: string }>());
  c.on('disconnect', (e) => expectTypeOf(e).toEqualTypeOf<DisconnectEvent>());
  c.on('reconnecting', (e) => expectTypeOf(e).toEqualTypeOf<ReconnectingEvent>());
  c.on('kick', (e) => expectTypeOf(e).toEqualTypeOf<KickEvent>());
  c.on('connect', (hs) => expectTypeOf(hs).toEqualTypeOf<HandshakeResponse>());
  c.on('push', (e) => expectTypeOf(e.route).toEqualTypeOf<string>());
  expectTypeOf(c.connect()).toEqualTypeOf<Promise<HandshakeResponse>>();
  expectTypeOf(c.state).toEqualTypeOf<ClientState>();
}

export function untypedClient(): void {
  const c = new NanoClient({ url: 'ws://127.0.0.1:3250/nano', reconnect: { maxAttempts: 5 }, requestTimeout: 5000 });
  // biome-ignore lint/suspicious/noExplicitAny: the untyped client returns any, like fetch().json()
  expectTypeOf(c.request('Any.Route', { x: 1 }, { timeout: 100 })).toEqualTypeOf<Promise<any>>();
  c.on('onAnything', (body) => expectTypeOf(body).toBeAny());
  c.on('disconnect', (e) => expectTypeOf(e.willReconnect).toEqualTypeOf<boolean>());
  // @ts-expect-error options need a url
  new NanoClient({});
  new NanoClient({ url: async () => 'wss://gate.example.com/nano', reconnect: false, heartbeat: { grace: 1000 } });
}
