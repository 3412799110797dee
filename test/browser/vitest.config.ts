// The real-browser suite (`npm run test:browser`): headless Debian Chromium driven by playwright-core against the
// built client bundle. Kept out of `npm test` by the root config; it reuses the root's module aliases.
import { defineConfig } from 'vitest/config';
import root from '../../vitest.config.ts';

export default defineConfig({
  ...(root.resolve ? { resolve: root.resolve } : {}),
  test: {
    root: new URL('../..', import.meta.url).pathname,
    include: ['test/browser/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
