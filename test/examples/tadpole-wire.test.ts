// The tadpole example speaks nano's tadpole protocol (lonng/nano examples/demo/tadpole): a raw WebSocket client sends
// exactly the frames nano's page (StarXService.js) sends, and gets the replies and pushes nano's server gives, with
// snowflake ids above 2^53 that stay exact on the wire.
import { encodeDataPacket, MessageType } from '@nanokit/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snowflakeIds } from '../../examples/tadpole/snowflake.mjs';
import { startTadpoleServer, type TadpoleServer } from '../../examples/tadpole/tadpole-server.mjs';
import { rawClient } from './raw-client.ts';

type Raw = Awaited<ReturnType<typeof rawClient>>;
const request = (id: number, route: string, body: string) =>
  encodeDataPacket({ type: MessageType.Request, id, route, body });
const notify = (route: string, body: string) => encodeDataPacket({ type: MessageType.Notify, route, body });

/** The id in a reply, exactly: as decimal text, not through a JS number. */
const idText = (body: string) => /"id":(\d+)/.exec(body)?.[1] ?? '';

/** Manager.Login then World.Enter, as nano's page does on connect; returns the id as decimal text. */
async function enter(c: Raw, name: string): Promise<string> {
  // StarXService.js sends {username, cipher}; the Go request type also has a timestamp.
  c.send(request(1, 'Manager.Login', `{"username":"${name}","cipher":"12312312312","timestamp":1733140800}`));
  const login = await c.next();
  expect(login).toMatchObject({ type: MessageType.Response, id: 1, route: '' });
  expect(login.body).toMatch(/^\{"status":1,"id":\d{19},"error":""\}$/);
  c.send(request(2, 'World.Enter', '{}'));
  const entered = await c.next();
  expect(entered).toMatchObject({ type: MessageType.Response, id: 2, route: '' });
  expect(entered.body).toBe(`{"id":${idText(login.body)}}`);
  return idText(login.body);
}

describe('tadpole example: wire compatibility with nano examples/demo/tadpole', () => {
  let pond: TadpoleServer;
  // A clock stuck on one millisecond: every id differs from the previous one in the 12-bit sequence only, so as JS
  // numbers (exact to 2^53, here every 256th integer) consecutive ids collapse into one.
  const frozen = () => 1_764_680_000_000;
  beforeAll(async () => {
    pond = await startTadpoleServer({ port: 0, quiet: true, snowflake: { node: 7, now: frozen } });
  });
  afterAll(async () => {
    await pond?.close();
  });

  it('issues snowflake ids above 2^53 that differ below the precision of a JS number', () => {
    const next = snowflakeIds({ node: 7, now: frozen });
    const a = next();
    const b = next();
    expect(a > BigInt(2 ** 53)).toBe(true);
    expect(b - a).toBe(BigInt(1));
    expect(Number(a)).toBe(Number(b)); // what JSON.parse would make of them
    // bwmarrin/snowflake's layout: ms since the Twitter epoch << 22 | node << 12 | step.
    expect(a >> BigInt(22)).toBe(BigInt(frozen()) - BigInt('1288834974657'));
    expect((a >> BigInt(12)) & BigInt(1023)).toBe(BigInt(7));
  });

  it('Login, Enter, Update, Message and leave exactly like nano', async () => {
    const a = await rawClient(pond.wsUrl);
    const aliceId = await enter(a, 'alice');
    const b = await rawClient(pond.wsUrl);
    const bobId = await enter(b, 'bob');
    expect(BigInt(bobId) - BigInt(aliceId)).toBe(BigInt(1));
    expect(Number(bobId)).toBe(Number(aliceId)); // distinct on the wire, one number after JSON.parse
    expect(pond.players()).toBe(2);

    // World.Update: the bytes are broadcast unchanged to the whole world, the sender included.
    const update = `{"id":${bobId},"x":12.5,"y":-3.25,"name":"GUEST${bobId}","momentum":0.75,"angle":1.5707964}`;
    b.send(notify('World.Update', update));
    for (const c of [a, b])
      expect(await c.next()).toEqual({ type: MessageType.Push, id: 0, route: 'update', body: update });

    // World.Message: the sender's id is filled in; Go's encoding/json escapes <, > and &.
    a.send(notify('World.Message', '{"message":"hi <bob> & 👋"}'));
    const said = `{"id":${aliceId},"message":"hi \\u003cbob\\u003e \\u0026 👋"}`;
    for (const c of [a, b])
      expect(await c.next()).toEqual({ type: MessageType.Push, id: 0, route: 'message', body: said });

    // A closed session: the others hear `leave` with its id.
    b.close();
    expect(await a.next()).toEqual({ type: MessageType.Push, id: 0, route: 'leave', body: `{"id":${bobId}}` });
    expect(a.queued()).toBe(0);
    a.close();
  });

  it("answers the Login body nano's page sends as is (StarXService.js: no timestamp)", async () => {
    const a = await rawClient(pond.wsUrl);
    a.send(request(1, 'Manager.Login', '{"username":"123123123","cipher":"12312312312"}'));
    expect((await a.next()).body).toMatch(/^\{"status":1,"id":\d{19},"error":""\}$/);
    a.close();
  });

  it("drops notifies that are not nano's (before World.Enter, not an object with numeric x/y, a message that is not text) and keeps the connection", async () => {
    const a = await rawClient(pond.wsUrl);
    a.send(notify('World.Update', '{"id":1,"x":1,"y":2}')); // not in the world yet
    const aliceId = await enter(a, 'alice');
    const before = pond.stats.dropped;
    a.send(notify('World.Update', 'not json'));
    a.send(notify('World.Update', '{"x":"1","y":2}'));
    a.send(notify('World.Update', '[1,2]'));
    a.send(notify('World.Message', '{"message":42}'));
    const ok = `{"id":${aliceId},"x":1,"y":2,"name":"a","momentum":0,"angle":0}`;
    a.send(notify('World.Update', ok));
    expect(await a.next()).toEqual({ type: MessageType.Push, id: 0, route: 'update', body: ok });
    expect(pond.stats.dropped - before).toBe(4);
    a.close();
  });
});
