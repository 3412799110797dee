/**
 * Child-process entry of the client core benchmark: calls `runClientBench` of bench/client.bench.mjs and emits
 * `ready` with `{rows}`. Then exits.
 * @module
 */
import { emit } from '../lib/ipc.mjs';

const quick = process.argv.includes('--quick');

try {
  const { runClientBench } = await import('../client.bench.mjs');
  const rows = await runClientBench(quick ? { runs: 3, ms: 20 } : { runs: 7 });
  emit('ready', { rows });
} catch (error) {
  emit('fatal', { message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
}
setTimeout(() => process.exit(0), 100);
