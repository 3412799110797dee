// Douyin (tt) and Alipay (my) have no example project here, but their transports run through the real global build in
// a `vm` context shaped like those hosts (no globalThis, no TextDecoder) against a real chat room: join, push, notify.
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChatServer, startChatServer } from '../../examples/chat/chat-server.mjs';
import { hostBasics, readBuild, runAsCommonJs } from './global-build.ts';
import { bufferMakerFor, fakeMy, fakeWx } from './host-fakes.ts';

/** A scripted chat exchange run inside the host context; resolves with what it saw. */
const SCRIPT = `
  (function (transport, name) {
    var client = new NanoKit.NanoClient({ url: 'wss://game.example.com/nano', transport: transport, reconnect: false });
    var seen = [];
    client.on('onMessage', function (m) { seen.push(m.name + ': ' + m.content); });
    return client.connect()
      .then(function () { return client.request('room.join', {}, { timeout: 5000 }); })
      .then(function (reply) {
        client.notify('room.message', { name: name, content: 'hi from ' + name + ' 🎯' });
        return new Promise(function (resolve) {
          (function poll() {
            if (seen.length > 0) { client.close(); resolve({ reply: reply, seen: seen }); }
            else setTimeout(poll, 10);
          })();
        });
      });
  })`;

function hostContext(globals: Record<string, unknown>) {
  const context = vm.createContext({ ...hostBasics(), ...globals });
  vm.runInContext('var GameGlobal = this; delete this.globalThis;', context);
  runAsCommonJs(context, readBuild(), 'nanokit.global.js');
  return context;
}

describe('mini-game transports in host-shaped vm contexts', () => {
  let chat: ChatServer;
  beforeAll(async () => {
    chat = await startChatServer({ port: 0, quiet: true });
  });
  afterAll(async () => {
    await chat?.close();
  });

  it('Douyin: miniGameTransport(tt) over a tt.connectSocket SocketTask', async () => {
    const host = fakeWx(chat.wsUrl); // tt.connectSocket has the same shape as wx.connectSocket
    const context = hostContext({ tt: host.wx });
    host.makeBuffer = bufferMakerFor(context);
    const result = await vm.runInContext(SCRIPT, context)(
      vm.runInContext('NanoKit.miniGameTransport(tt)', context),
      'tt',
    );
    expect(JSON.parse(JSON.stringify(result))).toEqual({
      reply: { code: 0, result: 'success' },
      seen: ['tt: hi from tt 🎯'],
    });
    expect(host.log).toEqual({ urls: ['wss://game.example.com/nano'], problems: [] });
  });

  it.each(['top-level', 'nested'] as const)(
    'Alipay: alipayTransport(my), base64 + isBuffer, %s payloads',
    async (shape) => {
      const host = fakeMy(chat.wsUrl, shape);
      const context = hostContext({ my: host.my });
      const result = await vm.runInContext(SCRIPT, context)(
        vm.runInContext('NanoKit.alipayTransport(my)', context),
        'my',
      );
      expect(JSON.parse(JSON.stringify(result))).toEqual({
        reply: { code: 0, result: 'success' },
        seen: ['my: hi from my 🎯'],
      });
      expect(host.log).toEqual({ urls: ['wss://game.example.com/nano'], problems: [] });
    },
  );
});
