/**
 * Bundle sizes of the client builds: raw, minified with terser, and minified + gzip (zlib level 9). The client's own
 * size test (packages/client/test/build.test.ts) measures its budget with {@link bundleSize} too.
 * @module
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import commonjs from '@rollup/plugin-commonjs';
import nodeResolve from '@rollup/plugin-node-resolve';
import { rollup } from 'rollup';
import { minify } from 'terser';

/** The row of `import { NanoClient }` bundled for browsers: the figure of the client's budget. */
export const BROWSER_CLIENT_BUNDLE =
  '`import { NanoClient }` from index.mjs, bundled for browsers with its dependencies';

/** `{raw, min, gzip}` bytes of `code`: as is, after terser (unless already minified), minified + gzip -9. */
async function sizes(code, { module = true, ecma = 2017, alreadyMinified = false } = {}) {
  const options = { module, ecma, compress: { passes: 2 }, format: { comments: false } };
  const min = alreadyMinified ? code : ((await minify(code, /** @type {any} */ (options))).code ?? code);
  return { raw: Buffer.byteLength(code), min: Buffer.byteLength(min), gzip: gzipSync(min, { level: 9 }).length };
}

/**
 * Sizes of the ES module `source` bundled with rollup: with `dependencies`, npm packages are bundled too,
 * tree-shaken, with browser conditions, as an app bundler would; without, only relative and absolute imports are.
 * @param {string} source
 * @param {{dependencies?: boolean}} [options]
 * @returns {Promise<{raw: number, min: number, gzip: number}>}
 */
export async function bundleSize(source, { dependencies = true } = {}) {
  const entry = '\0bench-entry';
  const build = await rollup({
    input: entry,
    external: dependencies ? [] : (id) => !id.startsWith('.') && !path.isAbsolute(id) && id !== entry,
    plugins: [
      {
        name: 'bench-entry',
        resolveId: (id) => (id === entry ? id : null),
        load: (id) => (id === entry ? source : null),
      },
      ...(dependencies
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
    return sizes(output.map((o) => (o.type === 'chunk' ? o.code : '')).join('\n'));
  } finally {
    await build.close();
  }
}

/**
 * Every entry file of the client's `distDir` (`*.mjs`, `*.js`, the global builds; shared chunks only through the
 * entries that import them, so that stale chunks of older builds are not counted), each ESM entry bundled with its
 * chunks, and index.mjs bundled with its dependencies: all of it, and `{ NanoClient }` alone.
 * @param {string} distDir
 */
export async function measureBundles(distDir) {
  const files = (await readdir(distDir, { withFileTypes: true }).catch(() => []))
    .filter((e) => e.isFile() && /\.(mjs|js)$/.test(e.name))
    .map((e) => e.name)
    .sort();
  const out = [];
  for (const file of files) {
    const full = path.join(distDir, file);
    const source = await readFile(full, 'utf8');
    const isModule = file.endsWith('.mjs');
    const ecma = file.includes('.global') ? 5 : 2017;
    out.push({ file, ...(await sizes(source, { module: isModule, ecma, alreadyMinified: file.endsWith('.min.js') })) });
    const from = (what) => `export ${what} from ${JSON.stringify(full)};`;
    if (isModule && /_chunks\//.test(source)) {
      out.push({ file: `${file} + its chunks`, ...(await bundleSize(from('*'), { dependencies: false })) });
    }
    if (file === 'index.mjs') {
      const all = 'index.mjs + chunks + dependencies, tree-shaken (a browser app importing everything)';
      out.push({ file: all, ...(await bundleSize(from('*'))) });
      out.push({ file: BROWSER_CLIENT_BUNDLE, ...(await bundleSize(from('{ NanoClient }'))) });
    }
  }
  return out;
}
