// Global typings for libs/nanokit/nanokit.js (the ES5 global build of @nanokit/client). Egret needs a non-module d.ts:
// this file has no import/export, it refers to the package's own typings through `import()` types.
declare namespace NanoKit {
  type NanoClient = import('@nanokit/client').NanoClient;
  const NanoClient: typeof import('@nanokit/client').NanoClient;
  const egretTransport: typeof import('@nanokit/client').egretTransport;
  const webSocketTransport: typeof import('@nanokit/client').webSocketTransport;
}
