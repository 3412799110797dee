/**
 * Runs the protocol engineer's codec benchmark (bench/protocol.bench.mjs, `runProtocolBench(options)`) in a child
 * process, so that its heap and JIT state do not colour the other figures, and brings back its rows and, when the
 * module can render one, its markdown section.
 * @module
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnChild } from './ipc.mjs';

const CHILD = fileURLToPath(new URL('../child/codec.mjs', import.meta.url));

/**
 * @typedef {object} CodecResult
 * @property {Record<string, unknown>[]} rows what `runProtocolBench` returned
 * @property {string | null} section heading and introduction of the codec section (the report adds the table of
 *   the rows), or null
 * @property {string | undefined} error why the codec benchmark did not run
 */

/**
 * @param {{root: string, quick: boolean}} options
 * @returns {Promise<CodecResult>}
 */
export async function runCodec(options) {
  if (!existsSync(path.join(options.root, 'bench', 'protocol.bench.mjs'))) {
    return { rows: [], section: null, error: 'bench/protocol.bench.mjs does not exist yet' };
  }
  const child = spawnChild(CHILD, options.quick ? ['--quick'] : [], { cwd: options.root });
  try {
    const data = await child.ready;
    return { rows: data.rows ?? [], section: data.section ?? null, error: undefined };
  } catch (error) {
    return { rows: [], section: null, error: error instanceof Error ? error.message.split('\n')[0] : String(error) };
  } finally {
    child.kill();
  }
}

const CLIENT_CHILD = fileURLToPath(new URL('../child/client-core.mjs', import.meta.url));

/**
 * @typedef {object} ClientCoreRow
 * @property {string} case
 * @property {number} clientNs CPU ns per message through @nanokit/client (median)
 * @property {number} handNs CPU ns per message through the hand-written decode (median)
 * @property {number} ratio client ÷ hand-written, per run then the median
 * @property {number} ratioMin
 * @property {number} ratioMax
 * @property {number} runs
 */

/**
 * Runs bench/client.bench.mjs (the client's push handling and request round against a hand-written decode, in
 * process) in a child process, like the codec benchmark.
 * @param {{root: string, quick: boolean}} options
 * @returns {Promise<{rows: ClientCoreRow[], error: string | undefined}>}
 */
export async function runClientCore(options) {
  const child = spawnChild(CLIENT_CHILD, options.quick ? ['--quick'] : [], { cwd: options.root });
  try {
    const data = await child.ready;
    return { rows: data.rows ?? [], error: undefined };
  } catch (error) {
    return { rows: [], error: error instanceof Error ? error.message.split('\n')[0] : String(error) };
  } finally {
    child.kill();
  }
}
