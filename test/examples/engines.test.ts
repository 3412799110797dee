// Runs the engine examples as far as this machine allows: the real global build and the example's own code run in a
// `vm` context with a host API shim (fake `wx` / `egret` whose sockets are real WebSockets), against a real
// server-lite chat room, while a Node client in the same room checks what arrives.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { NanoClient, webSocketTransport } from '@nanokit/client';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type ChatServer, startChatServer } from '../../examples/chat/chat-server.mjs';
import { hostBasics, readBuild, runAsCommonJs } from './global-build.ts';
import { bufferMakerFor, type CocosChat, fakeCocos, fakeEgret, fakeWx } from './host-fakes.ts';

const requireHere = createRequire(import.meta.url);

interface ChatMessage {
  name: string;
  content: string;
}

/** A Node client in the room that collects every chat message. */
async function observer(url: string) {
  const client = new NanoClient({ url, transport: webSocketTransport(WebSocket), reconnect: false });
  const messages: ChatMessage[] = [];
  const waiters: (() => void)[] = [];
  client.on('onMessage', (body) => {
    messages.push(body as ChatMessage);
    for (const w of waiters.splice(0)) w();
  });
  await client.connect();
  await client.request('room.join', {});
  return {
    client,
    /** Resolves with the first message matching `pred` (the test timeout bounds the wait). */
    async waitFor(pred: (m: ChatMessage) => boolean): Promise<ChatMessage> {
      for (;;) {
        const found = messages.find(pred);
        if (found) return found;
        await new Promise<void>((r) => waiters.push(r));
      }
    },
  };
}

/** Polls a condition on the host side (bounded by the test timeout). */
async function until(pred: () => boolean) {
  while (!pred()) await new Promise((r) => setTimeout(r, 10));
}

describe('engine examples in a vm with host shims', () => {
  let chat: ChatServer;
  beforeAll(async () => {
    chat = await startChatServer({ port: 0, quiet: true });
  });
  afterAll(async () => {
    await chat?.close();
  });

  it('WeChat: game.js requires the global build, connects through wx.connectSocket and chats', async () => {
    const watcher = await observer(chat.wsUrl);
    const host = fakeWx(chat.wsUrl);
    const context = vm.createContext({ ...hostBasics(), wx: host.wx });
    host.makeBuffer = bufferMakerFor(context);
    vm.runInContext('var GameGlobal = globalThis;', context);
    const build = readBuild();
    const requireInGame = (id: string) => {
      if (id !== './libs/nanokit.global.js') throw new Error(`unexpected require(${id})`);
      return runAsCommonJs(context, build, 'libs/nanokit.global.js');
    };
    const game = readFileSync(new URL('../../examples/wechat-minigame/game.js', import.meta.url), 'utf8');
    runAsCommonJs(context, game, 'game.js', requireInGame);

    const hello = await watcher.waitFor((m) => m.content === 'hello from a WeChat mini-game 🎮');
    expect(hello.name).toMatch(/^wx-\d{4}$/);
    await until(() => host.texts.includes(`${hello.name}: hello from a WeChat mini-game 🎮`));
    expect(host.texts).toContain(`(joined as ${hello.name})`);
    expect(host.log.urls).toEqual(['wss://chat.example.com/nano']);

    // Background and back: the game pauses and resumes the client; the connection is still usable.
    host.hide();
    host.show();
    watcher.client.notify('room.message', { name: 'watcher', content: 'still there? ✅' });
    await until(() => host.texts.includes('watcher: still there? ✅'));
    expect(host.log.urls).toHaveLength(1); // the same socket: resumed, not reconnected
    expect(host.log.problems).toEqual([]);
    watcher.client.close();
  });

  it('Egret: Main.ts (compiled as Egret does) uses the global build over egret.WebSocket and chats', async () => {
    const watcher = await observer(chat.wsUrl);
    const host = fakeEgret(chat.wsUrl);
    const context = vm.createContext({ ...hostBasics(), egret: host.egret });
    vm.runInContext(readBuild(), context, { filename: 'libs/nanokit/nanokit.js' }); // web target: a plain <script>
    const source = readFileSync(new URL('../../examples/egret/src/Main.ts', import.meta.url), 'utf8');
    // ES2015 output: the fake engine's classes are ES2015 classes, which ES5 `_super.call(this)` cannot extend.
    // (The ES5 syntax of Main.ts itself is covered by the type-check with target ES5.)
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: { target: ts.ScriptTarget.ES2015, module: ts.ModuleKind.None },
    });
    vm.runInContext(outputText, context, { filename: 'main.js' });
    const main = vm.runInContext(
      'var stage = new egret.Stage(); var main = new Main(); stage.addChild(main); main;',
      context,
    );

    const hello = await watcher.waitFor((m) => m.content === 'hello from Egret 🥚');
    expect(hello.name).toBe('egret');
    const log = () => String(main.log.text);
    await until(() => log().includes('egret: hello from Egret 🥚'));
    expect(log()).toContain('(joined the room)');
    expect(host.log.urls).toEqual(['ws://127.0.0.1:3250/nano']);
    expect(host.log.problems).toEqual([]);
    watcher.client.close();
    vm.runInContext('main.client.close()', context);
  });

  it('Cocos Creator 3.x: the NanoChat component (compiled like Creator does) joins, sends and hears through the ESM-equivalent build', async () => {
    const watcher = await observer(chat.wsUrl);
    const { cc, game } = fakeCocos();
    const source = readFileSync(
      new URL('../../examples/cocos-creator/assets/scripts/NanoChat.ts', import.meta.url),
      'utf8',
    );
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: {
        target: ts.ScriptTarget.ES2017,
        module: ts.ModuleKind.CommonJS,
        experimentalDecorators: true,
        useDefineForClassFields: false,
      },
    });
    // The browser build of the client (what Creator's `import` condition gets, here as its CommonJS twin), and the
    // standard WebSocket API that Creator's web/native/mini-game adapters provide (here: the `ws` package).
    const client = requireHere(fileURLToPath(new URL('../../packages/client/dist/index.js', import.meta.url)));
    const modules: Record<string, unknown> = { cc, '@nanokit/client': client };
    const run = vm.runInThisContext(`(function (require, module, exports, WebSocket) {${outputText}\n})`);
    const module = { exports: {} as Record<string, unknown> };
    run((id: string) => modules[id], module, module.exports, WebSocket);
    const NanoChat = module.exports.NanoChat as new () => CocosChat;

    const component = new NanoChat();
    component.serverUrl = chat.wsUrl;
    component.log = new cc.Label();
    component.input = new cc.EditBox();
    component.start();
    await until(() => component.log!.string.includes('(joined the room)'));
    component.input.string = 'hello from Cocos 🎮';
    component.send();
    expect(await watcher.waitFor((m) => m.name === 'cocos')).toEqual({ name: 'cocos', content: 'hello from Cocos 🎮' });
    await until(() => component.log!.string.includes('cocos: hello from Cocos 🎮'));
    expect(component.input.string).toBe('');

    expect(game.listeners.map((l) => l.type).sort()).toEqual(['game_on_hide', 'game_on_show']);
    game.emit('game_on_hide');
    game.emit('game_on_show');
    watcher.client.notify('room.message', { name: 'watcher', content: 'after resume' });
    await until(() => component.log!.string.includes('watcher: after resume'));
    component.onDestroy();
    expect(game.listeners).toEqual([]);
    watcher.client.close();
  });
});
