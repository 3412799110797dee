// Runs `npm run build` when a package's dist is missing or older than its sources. Used by `npm start`,
// `npm run test:browser` (the page loads packages/client/dist/nanokit.global.js) and the CLI's tests, which run the
// built `nanokit` binary.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Build outputs the examples need, each with the source folder it is built from. */
const outputs = [
  ['packages/protocol/dist/index.mjs', 'packages/protocol/src'],
  ['packages/client/dist/index.mjs', 'packages/client/src'],
  ['packages/client/dist/nanokit.global.js', 'packages/client/src'],
  ['packages/server-lite/dist/index.mjs', 'packages/server-lite/src'],
  ['packages/cli/dist/index.mjs', 'packages/cli/src'],
];

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

function isStale([output, src]) {
  const out = path.join(root, output);
  if (!existsSync(out)) return true;
  const srcDir = path.join(root, src);
  return existsSync(srcDir) && newestMtime(srcDir) > statSync(out).mtimeMs;
}

/** Builds when needed; exits the process with the build's status if the build fails. */
export function ensureBuild() {
  if (!outputs.some(isStale)) return;
  console.log('nanokit: building the packages first (npm run build)…');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const build = spawnSync(npm, ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) ensureBuild();
