// Lossless JSON benchmark: what `createLosslessJsonSerializer` costs against the default `jsonSerializer`, on the
// BUILT dist (run `npm run build` first). Decoding takes the fast path (JSON.parse) unless the text holds a run of 16
// or more digits; these cases show both paths. Same measure as the codec benchmark: median of interleaved runs, in
// operations per second of CPU time.
//
//   npm run bench:lossless
import { pathToFileURL } from 'node:url';
import { median } from './lib/stats.mjs';
import { measure } from './protocol.bench.mjs';

const dist = new URL('../packages/protocol/dist/index.mjs', import.meta.url);
const P = await import(pathToFileURL(dist.pathname).href);
const SNOWFLAKE = '2100000000000000001';

/** About 1 KB (or `n` items) of player rows; `id` as written in the JSON text. */
function rows(n, id) {
  const items = [];
  for (let i = 0; i < n; i++) items.push(`{"id":${id(i)},"name":"player-${i}","score":${(i * 7919) % 10007}}`);
  return `{"items":[${items.join(',')}]}`;
}

const cases = [
  ['1 KB, small integers only (fast path)', rows(20, (i) => i)],
  [
    '1 KB, a 19-digit token inside a string (strict parser, no big ints)',
    rows(20, (i) => i).replace('player-0', SNOWFLAKE),
  ],
  ['1 KB, 20 snowflake ids (strict parser)', rows(20, (i) => `${SNOWFLAKE.slice(0, -2)}${10 + i}`)],
  ['60 KB, 1,200 snowflake ids (strict parser)', rows(1200, (i) => `${SNOWFLAKE.slice(0, -5)}${10000 + i}`)],
];

const runs = Number(process.env.BENCH_RUNS ?? 7);
const ms = 120;
const plain = P.jsonSerializer;
const lossless = P.createLosslessJsonSerializer({ bigInts: 'bigint' });
const out = [];
for (const [label, text] of cases) {
  const bytes = P.encodeUtf8(text);
  const big = lossless.decode('r', bytes, 3);
  if (/snowflake/.test(label) && typeof big.items[0].id !== 'bigint') throw new Error(`${label}: not a bigint`);
  if (P.stringifyLosslessJson(big) !== text) throw new Error(`${label}: round trip differs`);
  const a = () => plain.decode('r', bytes, 3);
  const b = () => lossless.decode('r', bytes, 3);
  const enc = () => lossless.encode('r', big, 0);
  measure(a, ms / 2);
  measure(b, ms / 2);
  measure(enc, ms / 2);
  const A = [];
  const B = [];
  const E = [];
  for (let r = 0; r < runs; r++) {
    // Interleaved, alternating which side goes first.
    if (r % 2) {
      A.push(measure(a, ms));
      B.push(measure(b, ms));
    } else {
      B.push(measure(b, ms));
      A.push(measure(a, ms));
    }
    E.push(measure(enc, ms));
  }
  out.push({ label, json: median(A), lossless: median(B), encode: median(E) });
}
const fmt = (n) => Math.round(n).toLocaleString('en-US');
console.log('| Body | jsonSerializer decode ops/s | lossless decode ops/s | ratio | lossless encode ops/s |');
console.log('| --- | ---: | ---: | ---: | ---: |');
for (const r of out) {
  console.log(
    `| ${r.label} | ${fmt(r.json)} | ${fmt(r.lossless)} | ${(r.lossless / r.json).toFixed(2)}x | ${fmt(r.encode)} |`,
  );
}
