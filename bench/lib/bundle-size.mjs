/**
 * Bundle sizes of the client builds: raw, minified with terser, and minified + gzip (zlib level 9).
 * @module
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import commonjs from '@rollup/plugin-commonjs';
import nodeResolve from '@rollup/plugin-node-resolve';
import { rollup } from 'rollup';
import { minify } from 'terser';

/**
 * @typedef {object} BundleSize
 * @property {string} file an entry of the package's dist folder, or a description of a bundle made from one
 * @property {number} raw bytes as built (for a bundle: rollup's output)
 * @property {number} min bytes after terser (files already named `.min.js` are taken as they are)
 * @property {number} gzip bytes of the minified code gzipped at level 9
 */

/** Name of the row for `import { NanoClient }` bundled for browsers: the figure of the client's 5 KB budget. */
export const BROWSER_CLIENT_BUNDLE =
  '`import { NanoClient }` from index.mjs, bundled for browsers with its dependencies';

/**
 * @param {string} code
 * @param {{module: boolean, ecma: 5 | 2017, alreadyMinified?: boolean}} options
 */
async function sizes(code, options) {
  let min = code;
  if (!options.alreadyMinified) {
    const out = await minify(code, {
      module: options.module,
      ecma: options.ecma,
      compress: { passes: 2 },
      format: { comments: false },
    });
    min = out.code ?? code;
  }
  return { raw: Buffer.byteLength(code), min: Buffer.byteLength(min), gzip: gzipSync(min, { level: 9 }).length };
}

/**
 * Bundles an ESM entry with rollup, inlining its own chunks; npm dependencies stay imports unless
 * `withDependencies`, which bundles them too, tree-shaken, with browser conditions, as an app bundler would.
 * @param {string} entry absolute path
 * @param {boolean} [withDependencies]
 * @param {string[]} [only] bundle only these exports of the entry (tree-shaken), as an app importing them would
 */
async function bundle(entry, withDependencies = false, only = undefined) {
  const VIRTUAL = '\0bench-entry';
  const virtual = only
    ? [
        {
          name: 'bench-entry',
          resolveId: (/** @type {string} */ id) => (id === VIRTUAL ? VIRTUAL : null),
          load: (/** @type {string} */ id) =>
            id === VIRTUAL ? `export { ${only.join(', ')} } from ${JSON.stringify(entry)};` : null,
        },
      ]
    : [];
  const build = await rollup({
    input: only ? VIRTUAL : entry,
    external: withDependencies ? [] : (id) => !id.startsWith('.') && !path.isAbsolute(id),
    plugins: [
      ...virtual,
      ...(withDependencies
        ? [
            nodeResolve({ browser: true, exportConditions: ['browser', 'import', 'default'], preferBuiltins: false }),
            commonjs(),
          ]
        : []),
    ],
    onwarn: () => {},
  });
  try {
    const { output } = await build.generate({ format: 'es' });
    return output.map((o) => (o.type === 'chunk' ? o.code : '')).join('\n');
  } finally {
    await build.close();
  }
}

/**
 * Measures the client builds in `distDir`: every entry file (`*.mjs`, `*.js`, the global builds; shared chunks
 * only through the entries that import them, so that stale chunks of older builds are not counted), and each ESM
 * entry bundled with its chunks (its npm dependencies, @nanokit/protocol and eventemitter3, not included), and the
 * browser entry bundled with everything it imports.
 * @param {string} distDir
 * @returns {Promise<BundleSize[]>}
 */
export async function measureBundles(distDir) {
  /** @type {string[]} */
  let files;
  try {
    files = (await readdir(distDir, { withFileTypes: true }))
      .filter((e) => e.isFile() && /\.(mjs|js)$/.test(e.name))
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
  /** @type {BundleSize[]} */
  const out = [];
  for (const file of files) {
    const full = path.join(distDir, file);
    const source = await readFile(full, 'utf8');
    const isGlobal = file.includes('.global');
    const isModule = file.endsWith('.mjs');
    out.push({
      file,
      ...(await sizes(source, {
        module: isModule,
        ecma: isGlobal ? 5 : 2017,
        alreadyMinified: file.endsWith('.min.js'),
      })),
    });
    if (isModule) {
      if (/_chunks\//.test(source)) {
        out.push({ file: `${file} + its chunks`, ...(await sizes(await bundle(full), { module: true, ecma: 2017 })) });
      }
      if (file === 'index.mjs') {
        out.push({
          file: 'index.mjs + chunks + dependencies, tree-shaken (a browser app importing everything)',
          ...(await sizes(await bundle(full, true), { module: true, ecma: 2017 })),
        });
        out.push({
          file: BROWSER_CLIENT_BUNDLE,
          ...(await sizes(await bundle(full, true, ['NanoClient']), { module: true, ecma: 2017 })),
        });
      }
    }
  }
  return out;
}
