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
