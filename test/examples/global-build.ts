// Loads the built ES5 global bundle (packages/client/dist/nanokit.global.js) into `vm` contexts the way engine hosts do.
import { existsSync, readFileSync } from 'node:fs';
import vm from 'node:vm';

export const globalBuildPath = new URL('../../packages/client/dist/nanokit.global.js', import.meta.url);
export const globalMinBuildPath = new URL('../../packages/client/dist/nanokit.global.min.js', import.meta.url);

/** The source of a built global bundle; a clear error when `npm run build` has not run. */
export function readBuild(url: URL = globalBuildPath): string {
  if (!existsSync(url)) throw new Error(`${url.pathname} is missing: run npm run build (npm test does)`);
  return readFileSync(url, 'utf8');
}

/** Timers and console from Node: a vm context has only the ECMAScript built-ins (no TextEncoder/TextDecoder either). */
export function hostBasics() {
  return { console, setTimeout, clearTimeout, setInterval, clearInterval };
}

/**
 * Runs `code` inside a CommonJS-style wrapper `(function (module, exports, require) {…})`, as WeChat's, Egret wxgame's
 * and Cocos 2.x mini-game packagers do, and returns `module.exports`.
 */
export function runAsCommonJs(
  context: vm.Context,
  code: string,
  filename: string,
  require: (id: string) => unknown = () => {
    throw new Error('no require here');
  },
): unknown {
  const wrapper = vm.runInContext(`(function (module, exports, require) {${code}\n})`, context, { filename });
  const module = { exports: {} as unknown };
  wrapper(module, module.exports, require);
  return module.exports;
}
