// examples/bots: N bots (half WebSocket, half TCP) join the chat room through @nanokit/client and chat; every bot must
// hear every message. Once in-process (against the sources), once as the CLI (against the built packages).
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatSummary, runBots } from '../../examples/bots/bots.mjs';
import { formatTadpoleSummary, runTadpoleBots } from '../../examples/bots/tadpole.mjs';
import { type ChatServer, startChatServer } from '../../examples/chat/chat-server.mjs';
import { startTadpoleServer } from '../../examples/tadpole/tadpole-server.mjs';

describe('examples/bots', () => {
  let chat: ChatServer;
  beforeAll(async () => {
    chat = await startChatServer({ port: 0, tcpPort: 0, quiet: true });
  });
  afterAll(async () => {
    await chat?.close();
  });

  it('6 bots over WebSocket and TCP each hear all 18 messages', async () => {
    const summary = await runBots({ count: 6, messages: 3, wsUrl: chat.wsUrl, tcpUrl: chat.tcpUrl, timeoutMs: 15_000 });
    expect(summary).toMatchObject({
      bots: 6,
      transports: { ws: 3, tcp: 3 },
      sent: 18,
      expectedPerBot: 18,
      receivedMin: 18,
      receivedMax: 18,
      receivedTotal: 108,
      errors: [],
    });
    expect(formatSummary(summary)).toContain('pushes received per bot: min 18, max 18 (total 108)');
  });

  it('reports a bot that cannot connect instead of hanging', async () => {
    const summary = await runBots({ count: 1, messages: 1, tcpUrl: 'tcp://127.0.0.1:1', timeoutMs: 5_000 });
    expect(summary.errors.length).toBeGreaterThan(0);
    expect(summary.receivedTotal).toBe(0);
  });

  it('the CLI starts its own room, runs the bots on the built packages and prints the summary', async () => {
    const main = fileURLToPath(new URL('../../examples/bots/main.mjs', import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, [main, '--bots', '4', '--messages', '2'], {
      timeout: 30_000,
    });
    expect(stdout).toContain('bots: 4 (ws 2, tcp 2)');
    expect(stdout).toContain('pushes received per bot: min 8, max 8 (total 32)');
    expect(stdout).toContain('errors: none');
  });
});

describe('examples/bots --scenario tadpole', () => {
  it('4 bots enter the pond and swim: every update is relayed to all of them', async () => {
    const pond = await startTadpoleServer({ port: 0, quiet: true });
    try {
      const summary = await runTadpoleBots({ count: 4, rate: 10, seconds: 1, wsUrl: pond.wsUrl });
      expect(summary).toMatchObject({ bots: 4, inWorld: 4, errors: [] });
      expect(summary.sent).toBeGreaterThan(4);
      expect(pond.stats.updates).toBeGreaterThan(0); // the last few may still be on their way
      expect(summary.heardLastSecondMin).toBeGreaterThan(0);
      expect(formatTadpoleSummary(summary)).toContain('tadpole bots: 4 (4 in the world)');
    } finally {
      await pond.close();
    }
  });

  it('examples/bots/tadpole.yaml runs with nanokit bots: every update comes back from the world', async () => {
    const pond = await startTadpoleServer({ port: 0, quiet: true });
    try {
      const bin = fileURLToPath(new URL('../../packages/cli/bin/nanokit.mjs', import.meta.url));
      const scenario = fileURLToPath(new URL('../../examples/bots/tadpole.yaml', import.meta.url));
      const args = [bin, 'bots', scenario, '--url', pond.wsUrl, '-n', '3', '-d', '1s', '--json'];
      const { stdout } = await promisify(execFile)(process.execPath, args, { timeout: 30_000 });
      const summary = JSON.parse(stdout) as { steps: { name: string; count: number; errors: object }[] };
      const relayed = summary.steps.find((s) => s.name === 'my update relayed');
      expect(relayed?.count).toBeGreaterThan(3);
      expect(summary.steps.map((s) => s.errors)).toEqual(summary.steps.map(() => ({}))); // errors by code: none
      expect(pond.stats.updates).toBeGreaterThanOrEqual(relayed!.count);
    } finally {
      await pond.close();
    }
  });

  it('the CLI starts its own pond and prints the summary', async () => {
    const main = fileURLToPath(new URL('../../examples/bots/main.mjs', import.meta.url));
    const args = [main, '--scenario', 'tadpole', '--bots', '3', '--seconds', '1'];
    const { stdout } = await promisify(execFile)(process.execPath, args, { timeout: 30_000 });
    expect(stdout).toContain('tadpole bots: 3 (3 in the world), 10 updates/s each');
    expect(stdout).toContain('errors: none');
  });
});
