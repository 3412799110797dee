// Builds every package of the monorepo. Per package: ESM (`dist/*.mjs`), CommonJS (`dist/*.js`; the packages have
// no "type" field), bundled typings (`dist/*.d.ts` and `dist/*.d.mts`), and for the client an ES5 global build
// (`dist/nanokit.global.js` + `.min.js`) for Egret, Cocos 2.x plugin scripts, WeChat and `<script>` tags. Every
// JavaScript file gets a source map pointing into the package's `src/`, which the tarballs carry.

import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import nodeResolve from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import typescript from '@rollup/plugin-typescript';
import { dts } from 'rollup-plugin-dts';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

/**
 * Package build descriptions. `entries` map an output name to a source file; `global` describes the ES5 IIFE
 * build, which bundles every dependency.
 */
const packages = [
  {
    dir: 'packages/protocol',
    entries: { index: 'src/index.ts', protobuf: 'src/protobuf.ts', 'pomelo-protobuf': 'src/pomelo-protobuf.ts' },
  },
  {
    dir: 'packages/client',
    entries: { index: 'src/index.ts', node: 'src/node.ts', inflate: 'src/inflate.ts', debug: 'src/debug.ts' },
    global: { input: 'src/global.ts', name: 'NanoKit', file: 'nanokit' },
  },
  {
    dir: 'packages/server-lite',
    entries: { index: 'src/index.ts' },
  },
  {
    dir: 'packages/cli',
    entries: { index: 'src/index.ts' },
  },
];

function externalFor(pkgJson) {
  const deps = [
    ...Object.keys(pkgJson.dependencies ?? {}),
    ...Object.keys(pkgJson.peerDependencies ?? {}),
    ...Object.keys(pkgJson.optionalDependencies ?? {}),
  ];
  return (id) =>
    nodeBuiltins.includes(id) || deps.some((d) => id === d || id.startsWith(`${d}/`)) || id.startsWith('@nanokit/');
}

function tsPlugin(dir, target, extra = {}) {
  return typescript({
    tsconfig: path.join(dir, 'tsconfig.json'),
    ...extra.plugin,
    compilerOptions: {
      target,
      declaration: false,
      declarationMap: false,
      noEmit: false,
      outDir: undefined,
      rootDir: extra.rootDir ?? path.resolve(dir, 'src'),
      sourceMap: true,
      inlineSources: false,
      removeComments: true,
      importHelpers: false,
      noEmitHelpers: false,
      ...(target === 'ES5' ? { downlevelIteration: true, lib: ['ES2017', 'DOM'] } : {}),
    },
    noForceEmit: false,
    outputToFilesystem: false,
  });
}

/**
 * Compiled to ES5, a subclass of Error loses its prototype chain (`Error.call(this)` returns a new object, not
 * `this`): in the ES5 global build only, NanoError's constructor sets it back. ES2015 classes keep it, so the other
 * builds do without the line. It edits the compiled constructor (the TypeScript plugin hands over compiled code), and
 * fails the build unless it finds NanoError's `super(message)` there exactly once, or if errors.ts never reached it.
 */
function es5ErrorPrototype() {
  const file = path.resolve('packages/protocol/src/errors.ts');
  const call = '_super.call(this, message) || this;';
  let edited = false;
  return {
    name: 'es5-error-prototype',
    buildEnd(error) {
      if (!error && !edited) this.error(`${file} was not bundled under that path: NanoError would lose its prototype`);
    },
    transform(code, id) {
      if (path.resolve(id) !== file) return null;
      edited = true;
      const at = code.indexOf(call) + call.length;
      if (at < call.length || code.indexOf(call, at) >= 0) this.error(`expected one \`${call}\` in ${file}`);
      // `this` is the object `new` made, with the prototype of the class being constructed. Inserted on the same
      // line, so the source map stays right.
      const fix = ' Object.setPrototypeOf(_this, Object.getPrototypeOf(this));';
      return { code: code.slice(0, at) + fix + code.slice(at), map: null };
    },
  };
}

const configs = [];
for (const pkg of packages) {
  if (!existsSync(path.join(pkg.dir, 'package.json'))) continue;
  const entries = Object.fromEntries(
    Object.entries(pkg.entries)
      .filter(([, src]) => existsSync(path.join(pkg.dir, src)))
      .map(([name, src]) => [name, path.join(pkg.dir, src)]),
  );
  if (Object.keys(entries).length === 0) continue;
  const pkgJson = JSON.parse(readFileSync(path.join(pkg.dir, 'package.json'), 'utf8'));
  const external = externalFor(pkgJson);
  // ESM/CJS files: a plain comment, which consumers' minifiers drop (a `/*!` banner would survive in every app
  // bundle and count against the client's size budget). The global build keeps a `/*!` banner.
  const banner = `/* ${pkgJson.name} v${pkgJson.version} | MIT */`;
  const globalBanner = `/*! ${pkgJson.name} v${pkgJson.version} | MIT */`;
  const outDir = path.join(pkg.dir, 'dist');

  configs.push({
    input: entries,
    external,
    plugins: [tsPlugin(pkg.dir, 'ES2017')],
    treeshake: { moduleSideEffects: false },
    output: [
      {
        dir: outDir,
        format: 'es',
        entryFileNames: '[name].mjs',
        chunkFileNames: '_chunks/[name]-[hash].mjs',
        banner,
        sourcemap: true,
      },
      {
        dir: outDir,
        format: 'cjs',
        entryFileNames: '[name].js',
        chunkFileNames: '_chunks/[name]-[hash].js',
        exports: 'named',
        banner,
        sourcemap: true,
      },
    ],
  });
  configs.push({
    input: entries,
    external,
    // Members and functions marked @internal stay out of the published types: users see the public API only.
    plugins: [dts({ tsconfig: path.join(pkg.dir, 'tsconfig.json'), compilerOptions: { stripInternal: true } })],
    output: [
      { dir: outDir, format: 'es', entryFileNames: '[name].d.ts', chunkFileNames: '_chunks/[name]-[hash].d.ts' },
      { dir: outDir, format: 'es', entryFileNames: '[name].d.mts', chunkFileNames: '_chunks/[name]-[hash].d.mts' },
    ],
  });
  if (pkg.global && existsSync(path.join(pkg.dir, pkg.global.input))) {
    const g = pkg.global;
    const out = (min) => ({
      file: path.join(outDir, `${g.file}.global${min ? '.min' : ''}.js`),
      format: 'iife',
      name: `__${g.name}`,
      banner: globalBanner,
      sourcemap: true,
      // The IIFE itself assigns to the real global object (see src/global.ts); the var is only a fallback.
      plugins: min ? [terser({ ecma: 5, compress: { passes: 2 }, format: { comments: /^!/ } })] : [],
    });
    configs.push({
      input: path.join(pkg.dir, g.input),
      plugins: [
        // eventemitter3's `import` entry re-exports its CommonJS file; its own ES5 ESM build needs no CJS plugin.
        {
          name: 'eventemitter3-esm',
          resolveId: (id) =>
            id === 'eventemitter3' ? path.resolve('node_modules/eventemitter3/dist/eventemitter3.esm.js') : null,
        },
        nodeResolve({ browser: true, preferBuiltins: false, exportConditions: ['@source', 'browser', 'default'] }),
        es5ErrorPrototype(),
        // Workspace dependencies resolve to their TypeScript sources (`@source`), so they are compiled here too.
        tsPlugin(pkg.dir, 'ES5', {
          rootDir: path.resolve('packages'),
          plugin: { include: ['packages/*/src/**/*.ts'], filterRoot: path.resolve('.') },
        }),
      ],
      treeshake: { moduleSideEffects: (id) => id.endsWith(g.input) },
      output: [out(false), out(true)],
    });
  }
}

export default configs;
