/**
 * The ES5 global build (`dist/nanokit.global.js`): for Egret `libs/`, Cocos 2.x plugin scripts, Laya 2.x and
 * `<script>` tags. A host that `require`s the file (WeChat, Egret wxgame, Cocos 2.x on mini-games) does not make a
 * top-level `var` global, so the API is assigned to the real global object explicitly, and to
 * `module.exports` when a CommonJS wrapper is present.
 * @packageDocumentation
 */
import * as NanoKit from './index.js';

// biome-ignore lint/suspicious/noShadowRestrictedNames: the ES2017 lib has no globalThis; the build probes for it
declare const globalThis: Record<string, unknown> | undefined;
declare const GameGlobal: Record<string, unknown> | undefined;
declare const window: Record<string, unknown> | undefined;
declare const self: Record<string, unknown> | undefined;
declare const global: Record<string, unknown> | undefined;
declare const module: { exports?: unknown } | undefined;

function findGlobal(): Record<string, unknown> | undefined {
  // Each probe is guarded: some hosts forbid touching `globalThis`/`global` (Alipay) or throw on unknown names.
  try {
    if (typeof globalThis === 'object' && globalThis) return globalThis;
  } catch {}
  try {
    if (typeof GameGlobal === 'object' && GameGlobal) return GameGlobal;
  } catch {}
  try {
    if (typeof window === 'object' && window) return window;
  } catch {}
  try {
    if (typeof self === 'object' && self) return self;
  } catch {}
  try {
    if (typeof global === 'object' && global) return global;
  } catch {}
  return undefined;
}

const target = findGlobal();
if (target) target['NanoKit'] = NanoKit;
if (typeof module === 'object' && module && typeof module.exports === 'object') module.exports = NanoKit;

export default NanoKit;
