/**
 * The tadpole section of docs/benchmarks.md: written by `npm run bench:tadpole` (bench/tadpole.mjs) between these
 * markers, and carried over unchanged when `npm run bench` rewrites the rest of the file.
 * @module
 */

export const TADPOLE_START = '<!-- tadpole:start -->';
export const TADPOLE_END = '<!-- tadpole:end -->';

/**
 * The section between the markers in `markdown`, or undefined.
 * @param {string} markdown
 */
export function tadpoleSectionOf(markdown) {
  const start = markdown.indexOf(TADPOLE_START);
  const end = markdown.indexOf(TADPOLE_END);
  return start >= 0 && end > start ? markdown.slice(start + TADPOLE_START.length, end).trim() : undefined;
}

/**
 * `markdown` with the tadpole section replaced by `section` (appended, with its markers, when absent).
 * @param {string} markdown
 * @param {string} section
 */
export function replaceTadpoleSection(markdown, section) {
  const block = `${TADPOLE_START}\n${section}\n${TADPOLE_END}`;
  const start = markdown.indexOf(TADPOLE_START);
  const end = markdown.indexOf(TADPOLE_END);
  if (start >= 0 && end > start) return markdown.slice(0, start) + block + markdown.slice(end + TADPOLE_END.length);
  return `${markdown.trimEnd()}\n\n${block}\n`;
}
