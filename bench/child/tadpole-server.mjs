/**
 * Child-process entry of the tadpole benchmark: the pond (examples/tadpole) on a free port, alone in its process.
 * Emits `ready` with `{wsUrl}`; answers `sample` with its CPU time so far and the world's counters, `exit` by exiting.
 * @module
 */
import { startTadpoleServer } from '../../examples/tadpole/tadpole-server.mjs';
import { emit, serveCommands } from '../lib/ipc.mjs';

try {
  const pond = await startTadpoleServer({ port: 0, quiet: true });
  serveCommands({
    sample: () => ({ cpu: process.cpuUsage(), updates: pond.stats.updates, players: pond.players() }),
    exit: async () => {
      await pond.close();
      setTimeout(() => process.exit(0), 10);
      return true;
    },
  });
  emit('ready', { wsUrl: pond.wsUrl });
} catch (error) {
  emit('fatal', { message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
}
