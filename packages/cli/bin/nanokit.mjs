#!/usr/bin/env node
// The `nanokit` command: the built package does the work (run `npm run build` in the repository first).
import { main } from '../dist/index.mjs';

// `nanokit decode … | head`: a closed pipe ends the output, it is not an error.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});
process.exitCode = await main(process.argv.slice(2));
