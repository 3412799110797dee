// docs/tadpole.md walks through the tadpole example with excerpts of its code. Each ```js block names its file on its
// first line (`// examples/…`) and must still be in that file word for word (indentation aside: the Markdown
// formatter re-indents blocks), so the walk-through cannot drift from the code that the tadpole tests run.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url);
const doc = readFileSync(new URL('docs/tadpole.md', root), 'utf8');

/** The text with every line's leading whitespace removed. */
const unindent = (text: string) => text.replace(/^[ \t]+/gm, '');
/** True when `source` holds `excerpt` line for line, indentation aside. */
const holds = (source: string, excerpt: string) => unindent(source).includes(unindent(excerpt));

/** The ```js blocks: the file named on the first line and the excerpt below it. */
function excerpts(markdown: string) {
  const blocks = [...markdown.matchAll(/^```js\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
  return blocks.map((block) => {
    const [first, ...rest] = block.split('\n');
    const file = /^\/\/ (examples\/\S+)$/.exec(first ?? '')?.[1];
    return { file, excerpt: rest.join('\n') };
  });
}

describe('docs/tadpole.md', () => {
  const blocks = excerpts(doc);

  it('has excerpts, each naming its file', () => {
    expect(blocks.length).toBeGreaterThan(8);
    for (const b of blocks) expect(b.file, b.excerpt).toBeDefined();
  });

  it('every excerpt is in its file word for word', () => {
    for (const { file, excerpt } of blocks) {
      const source = readFileSync(fileURLToPath(new URL(file!, root)), 'utf8');
      expect(holds(source, excerpt), `${file} no longer contains:\n${excerpt}`).toBe(true);
    }
  });

  it('a changed excerpt is caught', () => {
    const [b] = excerpts('```js\n// examples/tadpole/web/pond.js\nexport const idKey = (id) => Number(id);\n```\n');
    const source = readFileSync(fileURLToPath(new URL(b!.file!, root)), 'utf8');
    expect(holds(source, b!.excerpt)).toBe(false);
    expect(holds(source, 'export const idKey = (id) => String(id);')).toBe(true);
  });
});
