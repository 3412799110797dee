// Relative links in the README, the getting-started and runtimes guides and the example READMEs point to files that
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
  'packages/cli/README.md',
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

function anchors(file: string): Set<string> {
  const text = readFileSync(file, 'utf8').replace(/```[\s\S]*?```/g, '');
  return new Set([...text.matchAll(/^#{1,6}\s+(.+)$/gm)].map((m) => slug(m[1]!)));
}

/** `[text](target)` links outside code blocks and inline code. */
function links(markdown: string): string[] {
  const text = markdown.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
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

  it('the anchors other packages cite exist (runtimes.md#protobuf, #cocos-creator-3x)', () => {
    const runtimes = anchors(path.join(root, 'docs/runtimes.md'));
    expect(runtimes.has('protobuf')).toBe(true);
    expect(runtimes.has('cocos-creator-3x')).toBe(true);
    expect(slug('Cocos Creator 3.x')).toBe('cocos-creator-3x');
  });
});
