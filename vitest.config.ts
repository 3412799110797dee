import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run against the TypeScript sources of the workspace packages, not their builds.
    alias: [
      { find: /^@nanokit\/protocol\/protobuf$/, replacement: src('./packages/protocol/src/protobuf.ts') },
      {
        find: /^@nanokit\/protocol\/pomelo-protobuf$/,
        replacement: src('./packages/protocol/src/pomelo-protobuf.ts'),
      },
      { find: /^@nanokit\/protocol$/, replacement: src('./packages/protocol/src/index.ts') },
      { find: /^@nanokit\/client\/inflate$/, replacement: src('./packages/client/src/inflate.ts') },
      { find: /^@nanokit\/client\/debug$/, replacement: src('./packages/client/src/debug.ts') },
      { find: /^@nanokit\/client\/node$/, replacement: src('./packages/client/src/node.ts') },
      // Tests run in Node: like the package's `node` export condition, the bare name resolves to the Node entry.
      { find: /^@nanokit\/client$/, replacement: src('./packages/client/src/node.ts') },
      { find: /^@nanokit\/server-lite$/, replacement: src('./packages/server-lite/src/index.ts') },
    ],
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**', 'test/browser/**'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    typecheck: { enabled: false },
  },
});
