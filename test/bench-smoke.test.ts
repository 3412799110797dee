/**
 * Smoke test of the benchmark harness (bench/): each phase's server and driver, run in this process for a fraction
 * of a second against real sockets on 127.0.0.1, must move traffic and report sane figures (> 0, no errors). No
 * timing targets are asserted: performance is measured by `npm run bench`, never by tests.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

interface LoadSession {
  close(): Promise<void>;
}
interface LoadResult {
  replies: number;
  rate: number;
  sent: number;
  errors: number;
  firstError: string | undefined;
  latency: null | { count: number; p50: number; p99: number; p999: number };
  cpu: { percent: number; wallMs: number };
}
interface BenchServer {
  port: number;
  counters(): { messages: number; sessions: number };
  close(): Promise<void>;
}
type Opener = (url: string) => Promise<LoadSession>;

// The harness is plain ESM JavaScript (it runs the built packages under Node); under Vitest its `@nanokit/*`
// imports resolve to the TypeScript sources.
// biome-ignore lint/suspicious/noExplicitAny: untyped .mjs modules, narrowed by the interfaces above
const load = (file: string): Promise<any> =>
  import(/* @vite-ignore */ new URL(`../bench/${file}`, import.meta.url).href);

async function withServer(kind: 'lite' | 'ws', fn: (url: string, server: BenchServer) => Promise<void>) {
  const servers = await load('servers.mjs');
  const server: BenchServer = kind === 'ws' ? await servers.startEchoServer() : await servers.startLiteServer();
  try {
    await fn(`ws://127.0.0.1:${server.port}/nano`, server);
  } finally {
    await server.close();
  }
}

async function drive(
  kind: 'client' | 'raw' | 'raw-await' | 'raw-ws',
  url: string,
  mode: 'reqres' | 'ping',
): Promise<LoadResult> {
  const { sessionOpener, openSessions, runLoad } = await load('drivers/load.mjs');
  const open: Opener = await sessionOpener(kind);
  const sessions: LoadSession[] = await openSessions(open, url, 3);
  try {
    const marks: string[] = [];
    const result: LoadResult = await runLoad(sessions, {
      mode,
      warmupMs: 50,
      durationMs: 250,
      onMark: (phase: string) => marks.push(phase),
    });
    expect(marks).toEqual(['start', 'end']);
    return result;
  } finally {
    await Promise.all(sessions.map((s) => s.close()));
  }
}

function expectSane(result: LoadResult, mode: 'reqres' | 'ping') {
  expect(result.firstError).toBeUndefined();
  expect(result.errors).toBe(0);
  expect(result.replies).toBeGreaterThan(0);
  expect(result.rate).toBeGreaterThan(0);
  expect(result.cpu.wallMs).toBeGreaterThan(0);
  if (mode === 'reqres') {
    expect(result.latency?.count).toBe(result.replies);
    expect(result.latency?.p50).toBeGreaterThan(0);
    expect(result.latency?.p99).toBeGreaterThanOrEqual(result.latency?.p50 ?? 0);
  } else {
    expect(result.latency).toBeNull();
    expect(result.sent).toBeGreaterThan(0);
  }
}

describe('bench harness, one short phase each', () => {
  for (const mode of ['reqres', 'ping'] as const) {
    it(`raw ws echo ceiling with the hand-rolled driver (${mode})`, async () => {
      await withServer('ws', async (url, server) => {
        const result = await drive('raw-ws', url, mode);
        expectSane(result, mode);
        expect(server.counters().messages).toBeGreaterThanOrEqual(result.replies);
      });
    });

    it(`server-lite with the hand-rolled driver (${mode})`, async () => {
      await withServer('lite', async (url, server) => {
        const result = await drive('raw', url, mode);
        expectSane(result, mode);
        expect(server.counters().messages).toBeGreaterThanOrEqual(result.replies);
      });
    });

    it(`server-lite with the @nanokit/client driver (${mode})`, async () => {
      await withServer('lite', async (url, server) => {
        const result = await drive('client', url, mode);
        expectSane(result, mode);
        expect(server.counters().messages).toBeGreaterThanOrEqual(result.replies);
      });
    });
  }

  it('server-lite with the hand-rolled driver awaiting a Promise per request (reqres)', async () => {
    await withServer('lite', async (url, server) => {
      const result = await drive('raw-await', url, 'reqres');
      expectSane(result, 'reqres');
      expect(server.counters().messages).toBeGreaterThanOrEqual(result.replies);
    });
  });

  it('counts server-lite sessions (what the memory phase waits on)', async () => {
    await withServer('lite', async (url, server) => {
      const { sessionOpener, openSessions } = await load('drivers/load.mjs');
      const sessions: LoadSession[] = await openSessions(await sessionOpener('raw'), url, 5, 2);
      try {
        expect(server.counters().sessions).toBe(5);
      } finally {
        await Promise.all(sessions.map((s) => s.close()));
      }
    });
  });
});

describe('bench statistics and report', () => {
  it('summarises repetitions as min–median–max and takes nearest-rank percentiles', async () => {
    const { spread, percentile, median, LatencyRecorder } = await load('lib/stats.mjs');
    expect(spread([3, 1, 2])).toMatchObject({ min: 1, median: 2, max: 3, values: [3, 1, 2] });
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(Number.isNaN(median([]))).toBe(true);
    const sorted = Float64Array.from({ length: 1000 }, (_, i) => i + 1);
    expect(percentile(sorted, 50)).toBe(500);
    expect(percentile(sorted, 99)).toBe(990);
    expect(percentile(sorted, 99.9)).toBe(999);
    const rec = new LatencyRecorder(2);
    for (const v of [5, 1, 3, 2, 4]) rec.record(v);
    expect(rec.summary()).toMatchObject({ count: 5, p50: 3, max: 5, mean: 3 });
  });

  it('pools runs made in several processes: paired ratios over all runs, and each process its own median', async () => {
    const { pooledRatio } = await load('lib/stats.mjs');
    const pooled = pooledRatio([
      { a: [1, 10, 4], b: [1, 1, 8] },
      { a: [5], b: [10] },
    ]);
    // Paired ratios 1, 10, 0.5 and 0.5: their median is 0.75, where the pooled medians' quotient is 4.5 ÷ 4.5 = 1.
    // The first process's own median ratio is 1 (its medians' quotient, 4 ÷ 1, would be 4); the second's 0.5.
    expect(pooled).toEqual({
      a: 4.5,
      b: 4.5,
      ratio: 0.75,
      ratioMin: 0.5,
      ratioMax: 10,
      processMin: 0.5,
      processMax: 1,
      runs: 4,
      processes: 2,
    });
    expect(() => pooledRatio([{ a: [1, 2], b: [1] }])).toThrow(/2 runs against 1/);
    expect(() => pooledRatio([{ a: [], b: [] }])).toThrow(/0 runs against 0/);
    expect(() => pooledRatio([{ a: [1], b: [0] }])).toThrow(/ratio is Infinity/);
    expect(() => pooledRatio([{ a: [0], b: [0] }])).toThrow(/ratio is NaN/);
    expect(() => pooledRatio([])).toThrow(/no process/);
    const { poolProtocolRows } = await load('protocol.bench.mjs');
    const row = (oursOps: number[], pinusOps: number[], name = '(a)') => ({
      case: name,
      mode: 'full',
      oursOps,
      pinusOps,
    });
    const [codec, other] = poolProtocolRows([
      [row([4, 6], [2, 2]), row([1], [1], '(b)')],
      [row([2, 2], [2, 2]), row([3], [1], '(b)')],
      [row([9], [3]), row([2], [1], '(b)')],
    ]);
    expect(codec).toMatchObject({
      nanokit: 4,
      pinus: 2,
      ratio: 2,
      processMin: 1,
      processMax: 3,
      runs: 5,
      processes: 3,
    });
    expect(codec.oursOps).toEqual([4, 6, 2, 2, 9]);
    expect(other).toMatchObject({ case: '(b)', ratio: 2, processMin: 1, processMax: 3, runs: 3 });
    // Rows are paired by case and mode, never by position alone.
    expect(() => poolProtocolRows([[row([1], [1])], [row([1], [1], '(b)')]])).toThrow(/different rows/);
    expect(() => poolProtocolRows([[row([1], [1])], []])).toThrow(/different rows/);
    const { poolClientRows } = await load('client.bench.mjs');
    const one = (clientRuns: number[], handRuns: number[]) => [{ case: 'push', clientRuns, handRuns }];
    const [push] = poolClientRows([one([110, 120], [100, 100]), one([90], [100])]);
    expect(push).toMatchObject({ clientNs: 110, handNs: 100, ratioMin: 0.9, ratioMax: 1.2, processes: 2, runs: 3 });
    expect(push.ratio).toBeCloseTo(1.1);
    expect(() => poolClientRows([one([1], [1]), [{ case: 'request', clientRuns: [1], handRuns: [1] }]])).toThrow(
      /different rows/,
    );
  });

  it("holds the codec benchmark's least conforming reference to its own checks", async () => {
    const { makeLeanConforming, checkLeanConforming } = await load('protocol.bench.mjs');
    const pinus = createRequire(import.meta.url)('pinus-protocol');
    const c = { type: 0, id: 1234, route: 'Room.Join', value: { roomId: 42, name: 'alice' } };
    const lean = makeLeanConforming(c);
    expect(() => checkLeanConforming(lean, c, pinus)).not.toThrow();
    // A decoder that never refuses anything, and an encoder that writes a wrong id, are caught.
    const lenient = {
      ...lean,
      decode: (b: Uint8Array) => {
        try {
          return lean.decode(b);
        } catch {
          return lean.decode(lean.encode(0, 1234, 'Room.Join', '{}'));
        }
      },
    };
    expect(() => checkLeanConforming(lenient, c, pinus)).toThrow(/lean refuses a message cut inside its id/);
    const wrongId = { ...lean, encode: (t: number, id: number, r: string, j: string) => lean.encode(t, id + 1, r, j) };
    expect(() => checkLeanConforming(wrongId, c, pinus)).toThrow(/lean conforming bytes, type 0/);
  });

  it('shows the client core rows per process only when several processes ran', async () => {
    const { fillDoc } = await load('lib/report.mjs');
    const row = (processes: number) => ({
      case: 'push: 50 B JSON to one listener',
      clientNs: 110,
      handNs: 100,
      ratio: 1.1,
      ratioMin: 0.9,
      ratioMax: 1.2,
      processMin: 1.05,
      processMax: 1.15,
      runs: 8 * processes,
      processes,
    });
    const results = (processes: number) => ({
      env: { date: '2026-01-01T00:00:00.000Z', loadAverage: [0, 0, 0] },
      settings: {
        reps: 1,
        pingReps: 1,
        memoryReps: 1,
        warmupMs: 1,
        durationMs: 1,
        connections: [],
        processes,
        phases: ['client'],
      },
      ...{ reqres: [], ping: [], memory: [], bundles: [], profiles: [], failures: [], elapsedMs: 1 },
      clientCore: { rows: [row(processes)] },
    });
    const doc = '<!-- client:start -->\n<!-- client:end -->\n';
    const several: string = fillDoc(doc, results(3));
    expect(several).toMatch(/in each process[\s\S]*1\.10x \(0\.90x–1\.20x\) \| +1\.05x–1\.15x \|/);
    const one: string = fillDoc(doc, results(1));
    expect(one).toContain('1.10x (0.90x–1.20x) |');
    expect(one).not.toContain('in each process');
  });

  it('fills the blocks of the phases that ran between their markers and keeps the others', async () => {
    const { fillDoc } = await load('lib/report.mjs');
    const run = (rate: number) => ({
      load: {
        rate,
        sentRate: rate,
        replies: rate,
        latency: { count: rate, p50: 1, p99: 2, p999: 3, max: 4, mean: 1 },
        cpu: { userMs: 1, systemMs: 1, wallMs: 1000, percent: 50 },
        errors: 0,
        firstError: undefined,
      },
      serverCpu: 60,
      serverRate: rate,
      serverCpuPerMessageUs: 1_000_000 / rate,
      driverCpuPerReplyUs: 1_000_000 / rate,
    });
    const results = {
      env: {
        date: '2026-01-01T00:00:00.000Z',
        node: 'v20.0.0',
        platform: 'linux x64',
        cpus: 2,
        cpuModel: 'test',
        memoryGiB: 1,
        loadAverage: [0, 0, 0],
        fdLimit: '1024',
        ws: '8',
        childNice: '0',
      },
      settings: {
        reps: 2,
        processes: 1,
        pingReps: 2,
        memoryReps: 2,
        warmupMs: 1000,
        durationMs: 3000,
        connections: [10],
        pingConnections: 10,
        sessions: 10,
        phases: ['reqres'],
      },
      reqres: [
        { connections: 10, pairing: 'client-lite', runs: [run(90), run(80)] },
        { connections: 10, pairing: 'raw-lite', runs: [run(100), run(100)] },
        { connections: 10, pairing: 'raw-ws', runs: [run(200), run(100)] },
      ],
      ping: [],
      memory: [],
      bundles: [],
      profiles: [],
      failures: [],
      elapsedMs: 1,
    };
    const block = (name: string, body: string) => `<!-- ${name}:start -->\n${body}\n<!-- ${name}:end -->`;
    const doc = [
      '# B',
      'prose',
      block('run', 'old'),
      block('targets', 'old'),
      block('reqres', ''),
      block('ratios', 'old'),
      block('ping', 'old ping'),
    ];
    const md: string = fillDoc(`${doc.join('\n\n')}\n`, results, '| codec |');
    expect(md.startsWith('# B\n\nprose\n\n<!-- run:start -->\nRun of 2026-01-01 00:00 UTC (phases: reqres)')).toBe(
      true,
    );
    // Ratios are paired per repetition: 100/200 and 100/100.
    expect(md).toMatch(
      /<!-- ratios:start -->\n\| N +\| server-lite ÷ ceiling, req\/s[\s\S]*\| +0\.75x \(0\.50x–1\.00x\) \|/,
    );
    expect(md).toContain('missed by 0.05x');
    expect(md).toContain(block('ping', 'old ping'));
    expect(md.endsWith(`<!-- ping:end -->\n\n${block('codec', '| codec |')}\n`)).toBe(true);
  });

  it('summarises a CPU profile by self time', async () => {
    const { summariseProfile } = await load('lib/cpu-profile.mjs');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'nanokit-prof-test-'));
    try {
      const file = path.join(dir, 'x.cpuprofile');
      const frame = (functionName: string, url: string) => ({ functionName, url, lineNumber: 0, columnNumber: 0 });
      await writeFile(
        file,
        JSON.stringify({
          nodes: [
            { id: 1, callFrame: frame('(root)', '') },
            { id: 2, callFrame: frame('(idle)', '') },
            { id: 3, callFrame: frame('dispatch', 'file:///repo/packages/server-lite/dist/index.mjs') },
            { id: 4, callFrame: frame('(garbage collector)', '') },
          ],
          samples: [2, 3, 3, 4, 2],
          timeDeltas: [1000, 3000, 3000, 1000, 2000],
        }),
      );
      const summary = await summariseProfile(file, { root: '/repo' });
      expect(summary.totalMs).toBe(10);
      expect(summary.idlePercent).toBe(30);
      expect(summary.top[0]).toMatchObject({
        name: 'dispatch',
        location: 'packages/server-lite/dist/index.mjs:1',
        selfMs: 6,
      });
      expect(summary.groups[0]).toMatchObject({ group: '@nanokit/server-lite', selfMs: 6 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
