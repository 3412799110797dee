// Writes packages/client/nanokit.global.d.ts, the typings of the ES5 global build (`NanoKit.*`), from the exports of
// packages/client/src/index.ts, so the global never lags the module. Egret libs need a script (non-module)
// declaration, so every export becomes a member of `declare namespace NanoKit` that points at the package's types.
// `node scripts/global-typings.mjs` writes the file; `--check` exits 1 when the committed file is stale (run by the
// client's build test).
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = fileURLToPath(new URL('..', import.meta.url));
const entry = `${root}packages/client/src/index.ts`;
const target = `${root}packages/client/nanokit.global.d.ts`;
const pkg = "import('@nanokit/client')";

const HEADER = `// Global typings for the ES5 build \`dist/nanokit.global.js\` (Egret libs, Cocos 2.x plugin scripts, Laya 2.x,
// <script> tags): the build assigns its API to the global \`NanoKit\`. This file is a script, not a module: include it
// in the project (tsconfig "files", or next to the .js in an Egret lib) and write \`new NanoKit.NanoClient({ … })\`.
// The types come from the @nanokit/client package, which must be resolvable (installed, or its dist/*.d.ts copied
// with @nanokit/protocol's).
// Generated from packages/client/src/index.ts by scripts/global-typings.mjs: do not edit by hand.
`;

/** The declaration text of the global namespace for the entry's exports, in export order. */
export function globalTypings() {
  const program = ts.createProgram([entry], {
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    customConditions: ['@source'],
    allowImportingTsExtensions: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2017,
    types: [],
  });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(entry);
  const exports = checker.getExportsOfModule(checker.getSymbolAtLocation(source));
  const names = new Set(exports.map((s) => s.getName()));
  // A type parameter's constraint or default may name other exports: qualify them, since the namespace has no imports.
  const qualify = (text) => text.replace(/\b[A-Za-z_$][\w$]*\b/g, (id) => (names.has(id) ? `${pkg}.${id}` : id));
  const lines = [];
  for (const symbol of exports) {
    const name = symbol.getName();
    const resolved = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
    const typeOnly = symbol.declarations?.some((d) => ts.isTypeOnlyExportDeclaration?.(d) || d.isTypeOnly);
    if (resolved.flags & ts.SymbolFlags.Value && !typeOnly) lines.push(`  const ${name}: typeof ${pkg}.${name};`);
    if (resolved.flags & ts.SymbolFlags.Type) {
      const params = resolved.declarations?.find((d) => d.typeParameters?.length)?.typeParameters;
      if (!params) {
        lines.push(`  type ${name} = ${pkg}.${name};`);
        continue;
      }
      const sourceFile = params[0].getSourceFile();
      const decl = params.map((p) => {
        let text = p.name.getText(sourceFile);
        if (p.constraint) text += ` extends ${qualify(p.constraint.getText(sourceFile))}`;
        if (p.default) text += ` = ${qualify(p.default.getText(sourceFile))}`;
        return text;
      });
      const args = params.map((p) => p.name.getText(sourceFile));
      const line = `  type ${name}<${decl.join(', ')}> = ${pkg}.${name}<${args.join(', ')}>;`;
      // Biome's layout (line width 120), so the generated file passes lint as written.
      lines.push(
        line.length <= 120
          ? line
          : `  type ${name}<\n${decl.map((d) => `    ${d},\n`).join('')}  > = ${pkg}.${name}<${args.join(', ')}>;`,
      );
    }
  }
  return `${HEADER}\ndeclare namespace NanoKit {\n${lines.join('\n')}\n}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const text = globalTypings();
  if (process.argv.includes('--check')) {
    if (readFileSync(target, 'utf8') !== text) {
      console.error('packages/client/nanokit.global.d.ts is stale: run `node scripts/global-typings.mjs`');
      process.exit(1);
    }
  } else {
    writeFileSync(target, text);
  }
}
