/**
 * Child-process entry of the codec benchmark: imports bench/protocol.bench.mjs (the protocol engineer's), calls
 * `runProtocolBench`, and emits `ready` with `{rows, section}`: the rows, and the heading and introduction of the
 * codec section of docs/benchmarks.md (the report adds the table). Then exits.
 * @module
 */
import os from 'node:os';
import { emit } from '../lib/ipc.mjs';

const quick = process.argv.includes('--quick');

try {
  const mod = await import('../protocol.bench.mjs');
  const runs = quick ? 5 : 7;
  const rows = await mod.runProtocolBench(quick ? { runs, ms: 20 } : { runs });
  const cpu = os.cpus()[0]?.model?.trim() ?? 'unknown CPU';
  const section = [
    '## Codec: @nanokit/protocol vs pinus-protocol',
    '',
    `Measured in this run by bench/protocol.bench.mjs (alone: \`npm run bench:protocol\`), in its own process, on Node ${process.version}, ${cpu} (${os.cpus().length} cores, shared). Median of ${runs} interleaved runs per cell. "full" = JSON.stringify + encode message + encode packet + decode packet + decode message + JSON.parse; "framing" = the same with the payload already bytes. nanokit uses a \`PacketWriter\` (pooled slab, one per connection) and the default \`jsonSerializer\`; pinus-protocol uses Node \`Buffer\`s. Targets: ≥ 2x on (a) full, ≥ 5x on (a) framing.`,
  ].join('\n');
  emit('ready', { rows: JSON.parse(JSON.stringify(rows ?? [])), section });
} catch (error) {
  emit('fatal', { message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
}
setTimeout(() => process.exit(0), 100);
