// Relative links in the READMEs, the guides and references in docs/ and the example READMEs point to files that
// exist, and `file.md#anchor` links to headings that exist (GitHub's slug rules).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const documents = [
  'README.md',
  'docs/get-started.md',
  'docs/runtimes.md',
  'docs/cli.md',
  'docs/servers.md',
  'docs/protocol.md',
  'docs/errors.md',
  'docs/route-compression.md',
  'docs/server-lite.md',
  'docs/tadpole.md',
  'docs/benchmarks.md',
  'packages/cli/README.md',
  'packages/client/README.md',
  'packages/protocol/README.md',
  'packages/server-lite/README.md',
  'examples/chat/README.md',
  'examples/bots/README.md',
  'examples/cocos-creator/README.md',
  'examples/egret/README.md',
  'examples/wechat-minigame/README.md',
];

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/`/g, '')
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** Fenced code blocks: a fence opens a line (a "```ts" in running text is inline code, not a fence). */
const FENCED = /^\s*```[^\n]*\n[\s\S]*?^\s*```\s*$/gm;

function anchors(file: string): Set<string> {
  const text = readFileSync(file, 'utf8').replace(FENCED, '');
  return new Set([...text.matchAll(/^#{1,6}\s+(.+)$/gm)].map((m) => slug(m[1]!)));
}

/** `[text](target)` links outside code blocks and inline code. */
function links(markdown: string): string[] {
  const text = markdown.replace(FENCED, '').replace(/`[^`\n]*`/g, '');
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!);
}

describe('documentation links', () => {
  it.each(documents)('%s: relative links resolve', (doc) => {
    const broken: string[] = [];
    for (const target of links(readFileSync(path.join(root, doc), 'utf8'))) {
      if (/^[a-z]+:/i.test(target)) continue; // http(s), mailto
      const [file, anchor] = target.split('#') as [string, string | undefined];
      const resolved = file === '' ? path.join(root, doc) : path.resolve(path.dirname(path.join(root, doc)), file);
      if (!existsSync(resolved)) broken.push(`${target} (no such file)`);
      else if (anchor && resolved.endsWith('.md') && !anchors(resolved).has(anchor))
        broken.push(`${target} (no such heading)`);
    }
    expect(broken).toEqual([]);
  });

  it('a "```ts" in running text does not hide the headings after it', () => {
    const started = anchors(path.join(root, 'docs/get-started.md'));
    expect(readFileSync(path.join(root, 'docs/get-started.md'), 'utf8').split('\n')[2]).toContain('```ts');
    expect(started.has('2-install-the-packages-in-your-project')).toBe(true);
  });

  it('the anchors other packages cite exist (runtimes.md#protobuf, #cocos-creator-3x)', () => {
    const runtimes = anchors(path.join(root, 'docs/runtimes.md'));
    expect(runtimes.has('protobuf')).toBe(true);
    expect(runtimes.has('cocos-creator-3x')).toBe(true);
    expect(slug('Cocos Creator 3.x')).toBe('cocos-creator-3x');
  });
});
