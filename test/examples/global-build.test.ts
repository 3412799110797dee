// The ES5 global build must put `NanoKit` on the real global object wherever a host loads it: as a plain <script>,
// and inside a `require`-style wrapper with `module`/`exports` defined (WeChat, Egret wxgame, Cocos 2.x plugin scripts
// on mini-games), also where `globalThis` does not exist (old JavaScriptCore, WeChat's GameGlobal, Alipay).
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { globalMinBuildPath, hostBasics, readBuild, runAsCommonJs } from './global-build.ts';

const builds = { 'nanokit.global.js': () => readBuild(), 'nanokit.global.min.js': () => readBuild(globalMinBuildPath) };

/** A fresh context whose global is reachable only through `alias` (globalThis deleted). */
function hostContext(alias: 'GameGlobal' | 'window' | 'self' | 'global') {
  const context = vm.createContext(hostBasics());
  vm.runInContext(`var ${alias} = this; delete this.globalThis;`, context);
  expect(vm.runInContext('typeof globalThis', context)).toBe('undefined');
  return context;
}

describe.each(Object.entries(builds))('%s', (_name, read) => {
  it('a <script> tag defines the global NanoKit with the client API', () => {
    const context = vm.createContext(hostBasics());
    vm.runInContext(read(), context);
    expect(vm.runInContext('typeof NanoKit.NanoClient', context)).toBe('function');
    for (const name of ['webSocketTransport', 'miniGameTransport', 'alipayTransport', 'egretTransport']) {
      expect(vm.runInContext(`typeof NanoKit.${name}`, context), name).toBe('function');
    }
  });

  it.each(['GameGlobal', 'window', 'self', 'global'] as const)(
    'inside a require wrapper with module/exports and no globalThis, NanoKit lands on %s',
    (alias) => {
      const context = hostContext(alias);
      const exported = runAsCommonJs(context, read(), 'nanokit.global.js') as Record<string, unknown>;
      expect(vm.runInContext(`typeof ${alias}.NanoKit.NanoClient`, context)).toBe('function');
      expect(vm.runInContext('typeof NanoKit', context)).toBe('object'); // a bare global, as engine scripts use it
      // module.exports is set too, and is the same API object.
      expect(exported.NanoClient).toBe(vm.runInContext(`${alias}.NanoKit.NanoClient`, context));
    },
  );

  it('constructs a client in a context without TextEncoder/TextDecoder (WeChat devices)', () => {
    const context = hostContext('GameGlobal');
    runAsCommonJs(context, read(), 'nanokit.global.js');
    expect(vm.runInContext('typeof TextDecoder', context)).toBe('undefined');
    const state = vm.runInContext(
      `var wx = { connectSocket: function () { throw new Error('not connecting in this test'); } };
       new NanoKit.NanoClient({ url: 'wss://example.com/nano', transport: NanoKit.miniGameTransport(wx) }).state`,
      context,
    );
    expect(typeof state).toBe('string');
  });
});
