// The command line of the examples' servers: --port/--host or PORT/HOST, a bad port exits 2, SIGINT/SIGTERM stop
// the server and exit 0, and the URL is printed once the signal handlers are in place.
import { parseArgs } from 'node:util';

/**
 * @param {object} options
 * @param {string} options.name the example's name in messages (`chat`, `tadpole`)
 * @param {number} options.defaultPort
 * @param {(o: { port: number, host: string }) => Promise<{ close(): Promise<void> }>} options.start
 * @param {(server: any) => string[]} options.banner the lines printed once the server runs
 */
export async function runServerCli({ name, defaultPort, start, banner }) {
  const { values } = parseArgs({
    options: { port: { type: 'string', short: 'p' }, host: { type: 'string', short: 'H' } },
    allowPositionals: false,
  });
  const port = Number(values.port ?? process.env.PORT ?? defaultPort);
  const host = values.host ?? process.env.HOST ?? '127.0.0.1';
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`nanokit ${name}: bad port ${values.port ?? process.env.PORT}`);
    process.exit(2);
  }

  const server = await start({ port, host });

  // Handlers first, then the URL: whoever reads the URL may signal us at once.
  let stopping = false;
  const stop = () => {
    if (stopping) process.exit(1);
    stopping = true;
    server.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  for (const line of banner(server)) console.log(line);
}
