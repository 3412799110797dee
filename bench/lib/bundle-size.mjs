/**
 * Bundle sizes of the client builds: raw, minified with terser, and minified + gzip (zlib level 9).
 * @module
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { minify } from 'terser';

/**
 * @typedef {object} BundleSize
 * @property {string} file path relative to the package's dist folder
 * @property {number} raw bytes as built
 * @property {number} min bytes after terser (files already named `.min.js` are taken as they are)
 * @property {number} gzip bytes of the minified file gzipped at level 9
 */

/**
 * Measures every JavaScript file in `distDir` (`*.mjs`, `*.js`), shared chunks in sub-folders included (listed on
 * their own: an entry's size does not include the chunks it imports).
 * @param {string} distDir
 * @returns {Promise<BundleSize[]>}
 */
export async function measureBundles(distDir) {
  /** @type {string[]} */
  let files;
  try {
    files = await listJs(distDir);
  } catch {
    return [];
  }
  /** @type {BundleSize[]} */
  const sizes = [];
  for (const file of files.sort()) {
    const source = await readFile(path.join(distDir, file), 'utf8');
    const isModule = file.endsWith('.mjs') || looksLikeEsm(source);
    let min = source;
    if (!file.endsWith('.min.js')) {
      const out = await minify(source, {
        module: isModule,
        ecma: file.includes('global') ? 5 : 2017,
        compress: { passes: 2 },
        format: { comments: false },
      });
      min = out.code ?? source;
    }
    sizes.push({
      file,
      raw: Buffer.byteLength(source),
      min: Buffer.byteLength(min),
      gzip: gzipSync(min, { level: 9 }).length,
    });
  }
  return sizes;
}

/**
 * @param {string} dir
 * @param {string} [prefix]
 * @returns {Promise<string[]>}
 */
async function listJs(dir, prefix = '') {
  const entries = await readdir(path.join(dir, prefix), { withFileTypes: true });
  /** @type {string[]} */
  const out = [];
  for (const entry of entries) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await listJs(dir, rel)));
    else if (/\.(mjs|js)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push(rel);
  }
  return out;
}

/** @param {string} source */
function looksLikeEsm(source) {
  return /^\s*(import|export)\s/m.test(source);
}
