/**
 * The published types show the public API only: no `_`-prefixed member in any `.d.ts` / `.d.mts` a package ships
 * (internals are module-private or marked `@internal`, which the build strips).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Every declaration file under `dir`, recursively. */
function declarationFiles(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...declarationFiles(full));
    else if (/\.d\.(m|c)?ts$/.test(entry.name)) found.push(full);
  }
  return found;
}

/** `Class.member` for every member of a class, interface or type literal whose name starts with `_`. */
function underscoreMembers(text: string, fileName = 'x.d.ts'): string[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false);
  const found: string[] = [];
  const visit = (node: ts.Node, owner: string): void => {
    if (ts.isClassDeclaration(node) || ts.isInterfaceDeclaration(node)) owner = node.name?.text ?? '(anonymous)';
    const name = (node as { name?: ts.Node }).name;
    const isMember = ts.isClassElement(node) || ts.isTypeElement(node);
    if (isMember && name !== undefined && (ts.isIdentifier(name) || ts.isPrivateIdentifier(name))) {
      if (name.text.startsWith('_')) found.push(`${owner}.${name.text}`);
    }
    ts.forEachChild(node, (child) => visit(child, owner));
  };
  visit(source, '');
  return found;
}

describe('published .d.ts files', () => {
  it('finds a `_` member when there is one (the check can fail)', () => {
    expect(underscoreMembers('declare class A { _state: number; ok(): void; private _x; }')).toEqual([
      'A._state',
      'A._x',
    ]);
    expect(underscoreMembers('interface B { _onPacket(): void }')).toEqual(['B._onPacket']);
    expect(underscoreMembers('declare class C { state: number; }')).toEqual([]);
  });

  const packages = readdirSync(path.join(root, 'packages')).filter((name) => {
    const manifest = path.join(root, 'packages', name, 'package.json');
    return existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).private !== true;
  });

  it('covers every published package', () => {
    expect(packages).toEqual(expect.arrayContaining(['protocol', 'client', 'server-lite']));
  });

  for (const pkg of packages) {
    it(`@nanokit/${pkg} publishes no \`_\`-prefixed member`, () => {
      const dist = path.join(root, 'packages', pkg, 'dist');
      if (!existsSync(dist)) throw new Error(`${dist} is missing: run \`npm run build\` first (npm test does)`);
      const files = declarationFiles(dist);
      expect(files.length).toBeGreaterThan(0);
      const found = files.flatMap((file) =>
        underscoreMembers(readFileSync(file, 'utf8'), file).map((m) => `${path.relative(root, file)}: ${m}`),
      );
      expect(found).toEqual([]);
    });
  }
});
