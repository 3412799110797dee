/**
 * docs/benchmarks.md is hand-written; the figures of a run go between `<!-- NAME:start -->` and `<!-- NAME:end -->`
 * markers, as tables formatted the way Biome formats them (so the file passes `npm run lint`).
 * @module
 */

/** A Markdown table padded as Biome formats it: figures right-aligned, text left. */
export function mdTable(head, rows) {
  const numeric = head.map((_h, i) => i > 0 && rows.every((r) => /^[\d–(≥≤.-]|^$/.test(r[i] ?? '')));
  const widths = head.map((h, i) => Math.max(3, h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const pad = (c, i) => (numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i]));
  const line = (cells) => `| ${head.map((_h, i) => pad(cells[i] ?? '', i)).join(' | ')} |`;
  const rule = widths.map((w, i) => (numeric[i] ? `${'-'.repeat(w - 1)}:` : '-'.repeat(w)));
  return [line(head), `| ${rule.join(' | ')} |`, ...rows.map(line)].join('\n');
}

/** `doc` with the block between the `name` markers replaced by `body` (appended with its markers when absent). */
export function fillSection(doc, name, body) {
  const [start, end] = [`<!-- ${name}:start -->`, `<!-- ${name}:end -->`];
  const [a, b] = [doc.indexOf(start), doc.indexOf(end)];
  const block = `${start}\n${body}\n${end}`;
  return a >= 0 && b > a ? doc.slice(0, a) + block + doc.slice(b + end.length) : `${doc.trimEnd()}\n\n${block}\n`;
}
