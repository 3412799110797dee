// The CLI behind `npm start` (examples/chat/server.mjs, on the built packages): prints the URL, serves the page and
// the client bundle, takes --port/--host and PORT/HOST, stops cleanly on SIGTERM. Also the same CLI for
// examples/tadpole (`npm run tadpole`; run directly here: scripts/start.mjs would first rebuild stale packages).
import { type ChildProcess, spawn } from 'node:child_process';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const server = fileURLToPath(new URL('../../examples/chat/server.mjs', import.meta.url));
const tadpoleServer = fileURLToPath(new URL('../../examples/tadpole/server.mjs', import.meta.url));
let child: ChildProcess | undefined;

/** Starts the CLI and resolves with the page URL it prints. */
function start(
  args: string[],
  env: Record<string, string> = {},
  banner = /nanokit chat room: (http:\/\/\S+)/,
  script = server,
): Promise<string> {
  const proc = spawn(process.execPath, [script, ...args], { env: { ...process.env, ...env } });
  child = proc;
  return new Promise((resolve, reject) => {
    let out = '';
    proc.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = banner.exec(out);
      if (m) resolve(m[1]!);
    });
    proc.stderr.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    proc.on('exit', (code) => reject(new Error(`exited with ${code}: ${out}`)));
  });
}

function stop(): Promise<number | string | null> {
  const proc = child!;
  child = undefined;
  return new Promise((resolve) => {
    proc.on('exit', (code, signal) => resolve(code ?? signal));
    proc.kill('SIGTERM');
  });
}

afterEach(() => {
  child?.kill('SIGKILL');
  child = undefined;
});

describe('npm start (examples/chat/server.mjs)', () => {
  it('--port 0 --host 127.0.0.1: prints the URL, serves page and bundle, exits 0 on SIGTERM', async () => {
    const url = await start(['--port', '0', '--host', '127.0.0.1']);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await fetch(url);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('<script src="/nanokit.global.js"></script>');
    const bundle = await fetch(new URL('/nanokit.global.js', url));
    expect(bundle.status).toBe(200);
    expect(await bundle.text()).toContain('NanoKit');
    expect((await fetch(new URL('/nope', url))).status).toBe(404);
    expect(await stop()).toBe(0);
  });

  it('answers 400 to a request target that is not a URL and keeps serving', async () => {
    const url = new URL(await start(['--port', '0', '--host', '127.0.0.1']));
    // Node's parser lets `http://[` through to the handler, where new URL() throws: that used to kill the process.
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(url.port), '127.0.0.1', () =>
        socket.write('GET http://[ HTTP/1.1\r\nHost: x\r\n\r\n'),
      );
      let text = '';
      socket.on('data', (chunk: Buffer) => {
        text += chunk.toString();
      });
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
    });
    expect(reply.split('\r\n')[0]).toBe('HTTP/1.1 400 Bad Request');
    expect((await fetch(url)).status).toBe(200);
    expect(child?.exitCode).toBe(null);
    expect(await stop()).toBe(0);
  });

  it('PORT and HOST from the environment', async () => {
    const url = await start([], { PORT: '0', HOST: '127.0.0.1' });
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(await stop()).toBe(0);
  });

  it('refuses a bad port with exit code 2', async () => {
    await expect(start(['--port', 'eighty'])).rejects.toThrow(/exited with 2: nanokit chat: bad port eighty/);
  });
});

describe('npm run tadpole (examples/tadpole/server.mjs)', () => {
  it('prints the URL, serves the page, its modules and the bundle, exits 0 on SIGTERM', async () => {
    const url = await start(['--port', '0'], {}, /nanokit tadpole pond: (http:\/\/\S+)/, tadpoleServer);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(await (await fetch(url)).text()).toContain('<script type="module" src="tadpole.js"></script>');
    for (const file of ['tadpole.js', 'pond.js', 'link.js', 'tadpole.css', 'nanokit.global.js']) {
      const res = await fetch(new URL(file, url));
      expect(res.status, file).toBe(200);
    }
    expect(await stop()).toBe(0);
  });

  it('refuses a bad port with exit code 2', async () => {
    await expect(start(['--port', '70000'], {}, /x^/, tadpoleServer)).rejects.toThrow(
      /exited with 2: nanokit tadpole: bad port 70000/,
    );
  });
});
