// Empties every packages/*/dist before `npm run build`: rollup names shared chunks by content hash and never deletes
// old ones, so without this a local dist (and an `npm pack` made from it) collects stale `_chunks/*` files.
import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const packages = fileURLToPath(new URL('../packages', import.meta.url));
for (const name of readdirSync(packages)) {
  rmSync(path.join(packages, name, 'dist'), { recursive: true, force: true });
}
