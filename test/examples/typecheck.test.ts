// The engine examples type-check against the engines' own typings, each with its own tsconfig (as in a real project):
// Cocos Creator 3.8 (@cocos/creator-types), WeChat mini-game (minigame-api-typings), Egret (the API subset in
// examples/egret/typings plus the NanoKit global typings).
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const root = fileURLToPath(new URL('../..', import.meta.url));

async function typecheck(project: string): Promise<string> {
  try {
    await run(process.execPath, [tsc, '-p', project, '--pretty', 'false'], { cwd: root });
    return '';
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    return `${e.stdout ?? ''}${e.stderr ?? ''}` || e.message;
  }
}

describe('engine examples type-check', () => {
  it.each([
    ['Cocos Creator 3.x component', 'examples/cocos-creator/tsconfig.json'],
    ['WeChat mini-game game.js', 'examples/wechat-minigame/tsconfig.json'],
    ['Egret Main.ts', 'examples/egret/tsconfig.json'],
  ])('%s (%s)', async (_name, project) => {
    expect(await typecheck(project)).toBe('');
  });

  it('the engine typings are really in force: misuse of cc and wx is reported', async () => {
    const dir = path.join(root, '.tmp', `typecheck-negative-${process.pid}`);
    mkdirSync(dir, { recursive: true });
    try {
      writeFileSync(path.join(dir, 'bad-cocos.ts'), "import { Label } from 'cc';\nexport const label: Label = 42;\n");
      writeFileSync(path.join(dir, 'bad-wx.js'), "// @ts-check\nwx.connectSocket({ address: 'wss://x' });\n");
      const base = { strict: true, noEmit: true, skipLibCheck: true, allowJs: true, checkJs: true, lib: ['ES2017'] };
      writeFileSync(
        path.join(dir, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: { ...base, types: ['minigame-api-typings'] },
          files: ['../../node_modules/@cocos/creator-types/engine.d.ts', 'bad-cocos.ts', 'bad-wx.js'],
        }),
      );
      const out = await typecheck(path.join(dir, 'tsconfig.json'));
      expect(out).toMatch(/bad-cocos\.ts\(2,14\): error TS2322: Type 'number' is not assignable to type 'Label'/);
      expect(out).toMatch(/bad-wx\.js\(2,\d+\): error TS2353/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
