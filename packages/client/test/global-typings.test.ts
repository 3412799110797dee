// nanokit.global.d.ts is generated from the exports of src/index.ts; this fails when an export was added, renamed or
// removed without regenerating it, so the global typings of the ES5 build cannot lag the module again.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script without typings
import { globalTypings } from '../../../scripts/global-typings.mjs';

describe('nanokit.global.d.ts', () => {
  it('declares exactly the exports of src/index.ts (regenerate with `node scripts/global-typings.mjs`)', () => {
    const committed = readFileSync(new URL('../nanokit.global.d.ts', import.meta.url), 'utf8');
    expect(committed).toBe(globalTypings());
  });
});
