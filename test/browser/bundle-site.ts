// A browser app as bundler users ship it: `entry` bundled by rollup (node-resolve with browser conditions, commonjs)
// into one IIFE, served with a bare page from a loopback HTTP server.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import commonjs from '@rollup/plugin-commonjs';
import nodeResolve from '@rollup/plugin-node-resolve';
import { rollup } from 'rollup';

export interface BundleSite {
  /** The page's URL (`/`); the bundle is `/app.js`. */
  url: string;
  /** The modules rollup put in the bundle. */
  modules: string[];
  close(): Promise<void>;
}

/** Bundles `entry` and serves it under a page whose `<body>` is `body`. */
export async function serveBundle(entry: string, body = ''): Promise<BundleSite> {
  const build = await rollup({
    input: entry,
    plugins: [nodeResolve({ browser: true }), commonjs()],
    onwarn: (w) => {
      throw new Error(`rollup: ${w.message}`);
    },
  });
  const { output } = await build.generate({ format: 'iife' });
  await build.close();
  const code = output[0].code;
  const html = `<!doctype html><meta charset="utf-8"><title>app</title>${body}<script src="/app.js"></script>`;
  const site = createServer((req, res) => {
    if (req.url === '/app.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(code);
    else res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(site.address() as AddressInfo).port}/`,
    modules: Object.keys(output[0].modules),
    close: () => new Promise((resolve) => site.close(() => resolve())),
  };
}
