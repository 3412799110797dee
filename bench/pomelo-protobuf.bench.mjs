// pomelo-protobuf benchmark: @nanokit/protocol/pomelo-protobuf (the BUILT dist: run `npm run build` first) against
// pinus-protobuf 1.7.4, the codec pinus servers run, on the test cluster's push `onChatProto` (strings, repeated
// uInt32, sInt32, repeated nested messages of two doubles). Same measure as the codec benchmark: median of interleaved
// runs, in operations per second of CPU time. Every case is checked for identical bytes before it is timed.
//
//   npm run bench:pomelo
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { median } from './lib/stats.mjs';
import { measure } from './protocol.bench.mjs';

const dist = new URL('../packages/protocol/dist/pomelo-protobuf.mjs', import.meta.url);
const { pomeloProtobuf } = await import(pathToFileURL(dist.pathname).href);
const { Protobuf } = createRequire(import.meta.url)('pinus-protobuf');

const file = {
  'message Point': { 'required double x': 1, 'required double y': 2 },
  onChatProto: {
    'required string from': 1,
    'required string text': 2,
    'repeated uInt32 nums': 3,
    'optional sInt32 n': 4,
    'repeated Point path': 5,
  },
};
const parsed = Protobuf.parse(file);
const ours = pomeloProtobuf();
ours.onHandshake({ protos: { server: parsed, client: parsed } });
const cached = new Protobuf({ encoderProtos: parsed, decoderProtos: parsed, encoderCacheSize: 65536 });
const plain = new Protobuf({ encoderProtos: parsed, decoderProtos: parsed });

const small = { from: 'user-42', text: 'hello there', nums: [1, 2, 300], n: -5, path: [{ x: 1.5, y: -2.25 }] };
const path = Array.from({ length: 100 }, (_, i) => ({ x: i * 0.5, y: -i }));
const large = {
  from: 'user-42',
  text: 'héllo 😀 '.repeat(50),
  nums: Array.from({ length: 200 }, (_, i) => i * 97),
  n: 7,
  path,
};
const cases = [
  ['small push', small],
  ['large push (100 points, 200 nums)', large],
];

const runs = Number(process.env.BENCH_RUNS ?? 7);
const ms = 120;
const PUSH = 3;
const hex = (b) => Buffer.from(b).toString('hex');
const rows = [];
for (const [label, value] of cases) {
  const bytes = ours.encode('onChatProto', value, PUSH);
  if (
    hex(bytes) !== hex(cached.encode('onChatProto', value)) ||
    hex(bytes) !== hex(plain.encode('onChatProto', value))
  ) {
    throw new Error(`${label}: bytes differ from pinus-protobuf`);
  }
  const buf = Buffer.from(bytes);
  const fns = {
    encodeOurs: () => ours.encode('onChatProto', value, PUSH),
    encodePinus: () => plain.encode('onChatProto', value),
    encodePinusCache: () => cached.encode('onChatProto', value),
    decodeOurs: () => ours.decode('onChatProto', bytes, PUSH),
    decodePinus: () => plain.decode('onChatProto', buf),
  };
  const out = Object.fromEntries(Object.keys(fns).map((k) => [k, []]));
  for (const fn of Object.values(fns)) measure(fn, ms / 2);
  for (let r = 0; r < runs; r++) {
    const order = r % 2 ? Object.keys(fns) : Object.keys(fns).reverse();
    for (const k of order) out[k].push(measure(fns[k], ms));
  }
  rows.push({ label, size: bytes.length, ...Object.fromEntries(Object.entries(out).map(([k, v]) => [k, median(v)])) });
}
const fmt = (n) => Math.round(n).toLocaleString('en-US');
console.log(
  '| Message | bytes | encode: nanokit | pinus-protobuf | pinus, encode cache | decode: nanokit | pinus-protobuf |',
);
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const r of rows) {
  console.log(
    `| ${r.label} | ${r.size} | ${fmt(r.encodeOurs)} | ${fmt(r.encodePinus)} | ${fmt(r.encodePinusCache)} | ${fmt(r.decodeOurs)} | ${fmt(r.decodePinus)} |`,
  );
}
