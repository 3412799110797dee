// Type-level test of the hand-written global declaration (nanokit.global.d.ts), as an Egret / Cocos 2.x script
// would use it. Checked by `npm run typecheck`.
/// <reference path="../nanokit.global.d.ts" />
import { expectTypeOf } from 'vitest';

export function globalScript(): void {
  const client = new NanoKit.NanoClient({
    url: 'wss://game.example.com/nano',
    transport: NanoKit.webSocketTransport(),
  });
  expectTypeOf(client).toEqualTypeOf<NanoKit.NanoClient>();
  expectTypeOf(client.connect()).toEqualTypeOf<Promise<NanoKit.HandshakeResponse>>();
  client.on('disconnect', (e) => expectTypeOf(e).toEqualTypeOf<NanoKit.DisconnectEvent>());
  const typed = new NanoKit.NanoClient<{ 'Room.Join': { request: { name: string }; response: { id: number } } }>({
    url: 'wss://x',
  });
  expectTypeOf(typed.request('Room.Join', { name: 'a' })).toEqualTypeOf<Promise<{ id: number }>>();
  expectTypeOf(NanoKit.isNanoError).toBeFunction();
}
