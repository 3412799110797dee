// `nanokit bots` run as a user would: 200 bots through the chat example's scenario (join, store a value, message,
// hear the echo), a failing expectation, loops with a duration, the error-rate gate, and bad scenario files.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChatServer, startChatServer } from '../../../examples/chat/chat-server.mjs';
import { BIN, ensureBuilt, ROOT, runCli } from './run-cli.js';
import { hasTmux, Terminal, until } from './terminal.js';
import { startTestServer, type TestServer } from './test-server.js';

const CHAT_SCENARIO = path.join(ROOT, 'examples/bots/chat.yaml');

let chat: ChatServer;
let server: TestServer;
let dir: string;
beforeAll(async () => {
  ensureBuilt();
  chat = await startChatServer({ port: 0, quiet: true });
  server = await startTestServer();
  dir = mkdtempSync(path.join(os.tmpdir(), 'nanokit-bots-'));
}, 120_000);
afterAll(async () => {
  await chat?.close();
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const scenarioFile = (name: string, text: string) => {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
};

describe('nanokit bots', () => {
  it('200 bots join the chat room, store a value, message, and each hears its own message', async () => {
    const { code, stdout, stderr } = await runCli(['bots', CHAT_SCENARIO, '--url', chat.wsUrl, '-n', '200', '--json'], {
      timeoutMs: 25_000,
    });
    expect(stderr).toBe('');
    const summary = JSON.parse(stdout);
    expect(summary).toMatchObject({
      scenario: 'chat',
      bots: 200,
      botsSucceeded: 200,
      botsFailed: 0,
      totals: { requests: 200, errors: 0, errorRate: 0, expectationsFailed: 0 },
      failures: [],
    });
    expect(summary.steps.map((s: { name: string; count: number }) => [s.name, s.count])).toEqual([
      ['connect', 200],
      ['request room.join', 200],
      ['notify room.message', 200],
      ['hear my own message', 200],
      ['sleep 10-50ms', 200],
      ['close', 200],
    ]);
    const wait = summary.steps[3];
    expect(wait.errors).toEqual({});
    expect(wait.latencyMs.p50).toBeGreaterThan(0);
    expect(wait.latencyMs.max).toBeGreaterThanOrEqual(wait.latencyMs.p99);
    expect(code).toBe(0);
  });

  it('a failing expectation: exit code 1, the failures named', async () => {
    const file = scenarioFile(
      'fail.json',
      JSON.stringify({
        steps: [{ connect: {} }, { request: 'room.join', body: {}, expect: { code: 0, result: 'failure' } }],
      }),
    );
    const { code, stdout } = await runCli(['bots', file, '--url', chat.wsUrl, '-n', '5']);
    expect(code).toBe(1);
    expect(stdout).toContain('2 request room.join: 5 × ERR_EXPECTATION_FAILED');
    expect(stdout).toContain('ERR_EXPECTATION_FAILED: $.result: expected "failure", got "success"');
    expect(stdout).toContain('failed expectations: 5; bots: 0 ok, 5 failed');
  });

  it("a request step's timeout: answered within it, or ERR_REQUEST_TIMEOUT", async () => {
    const file = scenarioFile(
      'timeout.yaml',
      [
        'steps:',
        '  - connect: {}',
        '  - request: room.slow',
        '    body: { ms: 20 }',
        '    timeout: 2s',
        '    expect: { slept: 20 }',
        '  - request: room.slow',
        '    body: { ms: 1000 }',
        '    timeout: 100ms',
      ].join('\n'),
    );
    const { code, stdout } = await runCli(['bots', file, '--url', server.wsUrl, '-n', '3', '--json']);
    expect(code).toBe(1);
    const s = JSON.parse(stdout);
    expect(s.steps[1].count).toBe(3);
    expect(s.steps[1].errors).toEqual({});
    expect(s.steps[2].errors).toEqual({ ERR_REQUEST_TIMEOUT: 3 });
  });

  it('repeat, loops until --duration, seeded sleeps, stored values reused, over TCP', async () => {
    const file = scenarioFile(
      'loop.yaml',
      `
name: echo loop
steps:
  - connect: {}
  - request: room.join
    body: { name: "b{{bot}}" }
    store: { me: name }
  - repeat: 3
    steps:
      - request: room.echo
        body: { who: "{{me}}" }
        expect: { who: "b{{bot}}" }
  - loop: true
    steps:
      - request: room.echo
        body: { n: 1 }
        expect: { n: { $gte: 1 } }
      - sleep: 1-3
`,
    );
    const { code, stdout } = await runCli(['bots', file, '--url', server.tcpUrl, '-n', '10', '-d', '800ms', '--json']);
    const s = JSON.parse(stdout);
    expect(code).toBe(0);
    expect(s.botsSucceeded).toBe(10);
    const counts = Object.fromEntries(s.steps.map((r: { id: number; count: number }) => [r.id + 1, r.count]));
    expect(counts[3]).toBe(10); // repeat
    expect(counts[4]).toBe(30); // its request, 3 times per bot
    expect(counts[6]).toBeGreaterThan(10); // the loop's request ran until the duration
    expect(s.totals.requests).toBe(10 + 30 + counts[6]);
    expect(s.totals.errors).toBe(0);
  });

  it('a loop with its own duration around a repeat, then the steps after it; repeat 0 runs nothing', async () => {
    const file = scenarioFile(
      'nested.yaml',
      `
steps:
  - connect: {}
  - loop: 300ms
    steps:
      - repeat: 2
        steps:
          - request: room.echo
            body: { n: 1 }
      - sleep: 5
  - repeat: 0
    steps:
      - request: room.echo
  - request: room.echo
    body: { after: true }
    expect: { after: true }
`,
    );
    const { code, stdout } = await runCli(['bots', file, '--url', server.wsUrl, '-n', '4', '-d', '10s', '--json']);
    expect(code).toBe(0);
    const s = JSON.parse(stdout);
    const counts = s.steps.map((r: { count: number }) => r.count);
    const [connect, loop, repeat, inner, sleep, none, noneInner, after] = counts;
    expect([connect, loop, none, noneInner, after]).toEqual([4, 4, 4, 0, 4]);
    expect(repeat).toBeGreaterThan(4); // several rounds of the loop per bot in 300 ms
    expect(sleep).toBe(repeat);
    expect(inner).toBe(2 * repeat);
    expect(s.durationMs).toBeLessThan(5000); // the loop ended by its own duration, not the run's
    expect(s.totals.errors).toBe(0);
  });

  it('errors fail the run unless under --max-error-rate; bad scenarios are named', async () => {
    const file = scenarioFile('errors.json', JSON.stringify({ steps: [{ connect: {} }, { request: 'room.nope' }] }));
    const strict = await runCli(['bots', file, '--url', server.wsUrl, '-n', '4', '--json']);
    expect(strict.code).toBe(1);
    const s = JSON.parse(strict.stdout);
    expect(s.steps[1].errors).toEqual({ ERR_SERVER_ERROR: 4 });
    expect(s.totals.errorRate).toBe(0.5);
    const lenient = await runCli(['bots', file, '--url', server.wsUrl, '-n', '4', '--max-error-rate', '0.5']);
    expect(lenient.code).toBe(0);
    const bad = scenarioFile('bad.yaml', 'steps:\n  - connect: {}\n  - request: room.echo\n    expct: {}\n');
    const badRun = await runCli(['bots', bad, '--url', server.wsUrl]);
    expect(badRun.code).toBe(1);
    expect(badRun.stderr).toContain('ERR_BAD_SCENARIO: steps.2: request: unknown option "expct"');
    const endless = scenarioFile(
      'endless.yaml',
      'steps:\n  - connect: {}\n  - loop: true\n    steps: [{ sleep: 1 }]\n',
    );
    const endlessRun = await runCli(['bots', endless, '--url', server.wsUrl]);
    expect(endlessRun.stderr).toContain('a loop without a duration needs --duration');
  });

  it.skipIf(!hasTmux && !process.env['CI'])(
    'on a terminal, a live view redrawn in place, then the summary',
    async () => {
      const file = scenarioFile(
        'live.yaml',
        'steps:\n  - connect: {}\n  - loop: true\n    steps:\n      - request: room.echo\n      - sleep: 20\n',
      );
      const term = new Terminal('bots', [
        process.execPath,
        BIN,
        'bots',
        file,
        '--url',
        server.wsUrl,
        '-n',
        '20',
        '-d',
        '2500ms',
      ]);
      try {
        const live = (text: string) => text.split('\n').filter((l) => /^bots \d+ connected, \d+\/20 done/.test(l));
        await until(
          () => live(term.screen()).length === 1 && /^requests [1-9]\d* \(/m.test(term.screen()),
          () => term.screen(),
        );
        await new Promise((r) => setTimeout(r, 1200)); // two redraws later: still one status block, not three
        expect(live(term.screen())).toHaveLength(1);
        expect(term.screen().match(/^requests \d+/gm)).toHaveLength(1);
        await until(
          () => term.screen().includes('requests:'),
          () => term.screen(),
          15_000,
        );
        // The live block is erased before the summary is printed.
        expect(live(term.screen())).toEqual([]);
        expect(term.screen()).toMatch(/^ {2}3 request room\.echo\s+\d+\s+0\s/m);
      } finally {
        term.close();
      }
    },
  );
});
