// docs/servers.md backs each statement with a test, cited as `file.test.ts` › “test name”: every cited name must be
// a test in that file, so a renamed or deleted test cannot leave a claim without its proof.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Every *.test.ts under the test directories, by path relative to the root. */
function testFiles(): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const rel = path.posix.join(dir, entry.name);
      if (entry.isDirectory() && entry.name !== 'node_modules' && entry.name !== 'fixtures') walk(rel);
      else if (entry.name.endsWith('.test.ts')) found.push(rel);
    }
  };
  walk('test');
  for (const pkg of readdirSync(path.join(root, 'packages'))) walk(`packages/${pkg}/test`);
  return found;
}

const squash = (text: string) => text.replace(/\s+/g, ' ').trim();

it('every test docs/servers.md cites exists in the file it names', () => {
  const doc = readFileSync(path.join(root, 'docs/servers.md'), 'utf8');
  const files = testFiles();
  const resolve = (name: string) => {
    const matches = name.includes('/')
      ? files.filter((f) => f === name)
      : files.filter((f) => path.basename(f) === name);
    expect(matches, `${name}: one test file`).toHaveLength(1);
    return matches[0]!;
  };
  let file: string | undefined;
  let cited = 0;
  const missing: string[] = [];
  for (const m of doc.matchAll(/`([^`\s]+\.test\.ts)`|“([^”]+)”/g)) {
    if (m[1]) {
      file = resolve(m[1]);
      continue;
    }
    if (!file) continue; // the format example in the introduction
    // Test names are single-quoted literals; a name cut short with "…" in the doc is checked up to there.
    const source = squash(readFileSync(path.join(root, file), 'utf8').replace(/\\'/g, "'"));
    const name = squash(m[2]!).replace(/\s*…$/, '');
    cited++;
    if (!source.includes(name)) missing.push(`${file}: ${name}`);
  }
  expect(missing).toEqual([]);
  expect(cited).toBeGreaterThan(30);
});
