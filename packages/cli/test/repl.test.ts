// `nanokit repl` run as a user would against server-lite: commands piped through stdin, scripts with -f, and an
// interactive session in a real pseudo-terminal (tmux): Tab completion of commands and of routes from the
// handshake's dictionary, a push printed while a command is half typed, the history file.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, ensureBuilt, runCli } from './run-cli.js';
import { hasTmux, Terminal, until } from './terminal.js';
import { startTestServer, type TestServer } from './test-server.js';

let server: TestServer;
let dir: string;
beforeAll(async () => {
  ensureBuilt();
  server = await startTestServer();
  dir = mkdtempSync(path.join(os.tmpdir(), 'nanokit-repl-'));
}, 120_000);
afterAll(async () => {
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('nanokit repl through stdin', () => {
  it('runs piped commands one by one, prints responses and pushes as plain text, fails at the end on an error', async () => {
    let out = '';
    let child!: import('node:child_process').ChildProcess;
    const done = runCli(['repl', server.wsUrl], {
      env: { NO_COLOR: undefined },
      onSpawn: (c) => {
        child = c;
        c.stdout?.on('data', (d) => (out += d));
      },
    });
    const send = (line: string) => child.stdin?.write(`${line}\n`);
    await until(
      () => out.includes('connected to'),
      () => out,
    );
    send('request room.join {"name":"pipe"}');
    await until(
      () => out.includes('response room.join'),
      () => out,
    );
    // A push that nobody asked for in this session: printed with the time and the route.
    server.group.broadcast('onChat', { text: 'from the server' });
    await until(
      () => out.includes('push onChat'),
      () => out,
    );
    send('notify room.say {"text":"hi"}');
    send('wait onChat 5000');
    send('request room.nope {}');
    send('request room.echo {"still":"running"}');
    child.stdin?.end();
    const { code, stdout } = await done;
    expect(code).toBe(1);
    expect(stdout).not.toContain('\u001b['); // piped: no colours
    expect(stdout).toMatch(
      /^connected to ws:\/\/127\.0\.0\.1:\d+\/nano \(heartbeat 10s, 4 routes in the dictionary\)$/m,
    );
    expect(stdout).toMatch(/^response room\.join [\d.]+ms \{"code":0,"name":"pipe"\}$/m);
    expect(stdout).toMatch(/^\d\d:\d\d:\d\d\.\d{3} push onChat \{"text":"from the server"\}$/m);
    expect(stdout).toMatch(/^\d\d:\d\d:\d\d\.\d{3} push onChat \{"text":"hi"\}$/m);
    expect(stdout).toContain('error ERR_SERVER_ERROR: room.nope: PIT-404');
    // Piped input goes on after a failure (the exit code reports it); -f stops.
    expect(stdout).toMatch(/^response room\.echo [\d.]+ms \{"still":"running"\}$/m);
  });

  it('--json: one JSON object per event', async () => {
    const { code, stdout } = await runCli(['repl', server.tcpUrl, '--json', '-u', '{"token":"t"}'], {
      input: 'req room.echo {"n":1}\nhandshake\n',
    });
    expect(code).toBe(0);
    const events = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(events.map((e) => e.event)).toEqual(['connected', 'response', 'handshake']);
    expect(events[1]).toMatchObject({ route: 'room.echo', body: { n: 1 } });
    expect(events[2].handshake.sys.dict).toEqual({ 'room.join': 1, 'room.echo': 2, 'room.say': 3, onChat: 4 });
    // --pomelo: routes without protos (this server sends none) stay JSON.
    const pomelo = await runCli(['repl', server.wsUrl, '--pomelo', '--json'], { input: 'request room.echo {"p":2}\n' });
    expect(pomelo.code).toBe(0);
    expect(JSON.parse(pomelo.stdout.trim().split('\n')[1] ?? '')).toMatchObject({ event: 'response', body: { p: 2 } });
  });
});

describe('nanokit repl commands', () => {
  it('off / on choose the pushes printed; help lists the commands; close and connect again', async () => {
    const { code, stdout } = await runCli(['repl', server.wsUrl], {
      input: [
        'help',
        'request room.join {}',
        'off',
        'notify room.say {"muted":1}',
        'sleep 300',
        'on onChat',
        'notify room.say {"heard":2}',
        'sleep 300',
        'off onChat',
        'notify room.say {"muted":3}',
        'sleep 300',
        'close',
        'request room.echo {}',
        'connect',
        'r room.echo {"back":true}',
      ].join('\n'),
    });
    expect(code).toBe(1); // the request while closed failed
    expect(stdout).toContain('  request <route> [json] (req, r)');
    expect(stdout).not.toMatch(/push onChat .*muted/);
    expect(stdout).toMatch(/push onChat \{"heard":2\}/);
    expect(stdout).toContain('error ERR_BAD_COMMAND: not connected: connect first');
    expect(stdout).toMatch(/response room\.echo [\d.]+ms \{"back":true\}/);
  });
});

describe('nanokit repl -f', () => {
  it('a passing script exits 0', async () => {
    const file = path.join(dir, 'ok.nk');
    writeFileSync(
      file,
      [
        '# join, talk, hear it back',
        'request room.join {"name":"script"}',
        'notify room.say {"n":7}',
        'wait onChat 5000',
        'close',
        'connect',
        'request room.echo [1,2]',
      ].join('\n'),
    );
    const { code, stdout, stderr } = await runCli(['repl', server.wsUrl, '-f', file]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain('> wait onChat 5000');
    expect(stdout).toMatch(/push onChat \{"n":7\}/);
    expect(stdout).toMatch(/response room\.echo [\d.]+ms \[1,2\]/);
  });

  it('stops at the first failure and exits 1', async () => {
    const file = path.join(dir, 'fail.nk');
    writeFileSync(file, 'request room.join {}\nwait onChat 200\nrequest room.echo {"never":true}\n');
    const failed = await runCli(['repl', server.wsUrl, '-f', file]);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain('error ERR_PUSH_TIMEOUT: no push of onChat within 200 ms');
    expect(failed.stdout).not.toContain('never');
    const badJson = path.join(dir, 'bad.nk');
    writeFileSync(badJson, 'request room.echo {oops}\nrequest room.echo {}\n');
    const bad = await runCli(['repl', server.wsUrl, '-f', badJson]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain('error ERR_BAD_COMMAND: the body is not JSON');
    const refused = await runCli(['repl', 'ws://127.0.0.1:1/nano', '-f', file]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/^error ERR_CONNECT\w*: /m);
    const usage = await runCli(['repl', 'http://x', '-f', file]);
    expect(usage.code).toBe(2);
  });
});

describe.skipIf(!hasTmux && !process.env['CI'])('nanokit repl in a pseudo-terminal (tmux)', () => {
  it('completes commands and routes, prints a push above a half-typed line, keeps history', async () => {
    const history = path.join(dir, 'history');
    const term = new Terminal('repl', [process.execPath, BIN, 'repl', server.wsUrl, '--history', history]);
    const screen = () => term.screen();
    const keys = (...k: string[]) => term.keys(...k);
    try {
      // capture-pane drops trailing blanks: `nanokit> ` shows as `nanokit>`.
      await until(() => /^nanokit>$/m.test(screen()), screen);
      keys('req', 'Tab');
      await until(() => /nanokit> request$/m.test(screen()), screen);
      keys('room.j', 'Tab');
      await until(() => /nanokit> request room\.join$/m.test(screen()), screen);
      keys('{"name":"tty"}', 'Enter');
      await until(() => screen().includes('"name": "tty"'), screen); // pretty-printed on a TTY
      keys('n', 'Tab');
      await until(() => /nanokit> notify$/m.test(screen()), screen);
      keys('room.s', 'Tab');
      await until(() => /nanokit> notify room\.say$/m.test(screen()), screen);
      // Typed separately: readline takes a Tab that arrives with more text in one read as pasted text.
      keys('{"text":"half');
      await until(() => screen().includes('nanokit> notify room.say {"text":"half'), screen);
      server.group.broadcast('onChat', { text: 'pushed mid-line' });
      await until(() => screen().includes('push onChat'), screen);
      const lines = screen().trimEnd().split('\n');
      // The push is printed on its own line, and the half-typed command is redrawn intact below it.
      expect(lines.at(-1)).toBe('nanokit> notify room.say {"text":"half');
      expect(lines.some((l) => /^\d\d:\d\d:\d\d\.\d{3} push onChat \{$/.test(l))).toBe(true);
      keys(' done"}', 'Enter');
      await until(() => screen().includes('"text": "half done"'), screen);
      keys('quit', 'Enter');
      await until(() => screen().includes('nanokit> quit'), screen);
      await until(
        () => {
          try {
            return readFileSync(history, 'utf8').includes('quit');
          } catch {
            return false;
          }
        },
        () => 'history',
      );
      expect(readFileSync(history, 'utf8').split('\n').filter(Boolean)).toEqual([
        'request room.join {"name":"tty"}',
        'notify room.say {"text":"half done"}',
        'quit',
      ]);
    } finally {
      term.close();
    }
  });
});
