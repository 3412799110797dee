/**
 * Child-process entry of the codec benchmark: imports bench/protocol.bench.mjs (the protocol engineer's), calls
 * `runProtocolBench`, and emits `ready` with `{rows, section}`: the rows, and the markdown of the codec section
 * (the module's own table format, under the heading it uses) for docs/benchmarks.md. Then exits.
 * @module
 */
import os from 'node:os';
import { emit } from '../lib/ipc.mjs';

const quick = process.argv.includes('--quick');

try {
  const mod = await import('../protocol.bench.mjs');
  const runs = quick ? 5 : 7;
  const rows = await mod.runProtocolBench(quick ? { runs, ms: 20 } : { runs });
  /** @type {string | null} */
  let section = null;
  if (typeof mod.formatProtocolTable === 'function') {
    const cpu = os.cpus()[0]?.model?.trim() ?? 'unknown CPU';
    section = [
      '## Codec: @nanokit/protocol vs pinus-protocol',
      '',
      `Measured in this run by bench/protocol.bench.mjs (alone: \`npm run bench:protocol\`), in its own process, on Node ${process.version}, ${cpu} (${os.cpus().length} cores, shared). Median of ${runs} interleaved runs per cell. "full" = JSON.stringify + encode message + encode packet + decode packet + decode message + JSON.parse; "framing" = the same with the payload already bytes. nanokit uses a \`PacketWriter\` (pooled slab, one per connection) and the default \`jsonSerializer\`; pinus-protocol uses Node \`Buffer\`s. Targets: ≥ 2x on (a) full, ≥ 5x on (a) framing.`,
      '',
      mod.formatProtocolTable(rows),
    ].join('\n');
  }
  emit('ready', { rows: JSON.parse(JSON.stringify(rows ?? [])), section });
} catch (error) {
  emit('fatal', { message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
}
setTimeout(() => process.exit(0), 100);
