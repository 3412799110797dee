// `nanokit decode` run as a child process on the frames recorded from a real nano server (the protocol package's
// copy of shared/vectors/nano-real-server.json), on hex arguments, stdin, and bad input.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runCli } from './run-cli.js';

const RECORDING = fileURLToPath(new URL('../../protocol/test/fixtures/nano-real-server.json', import.meta.url));
const PINUS = fileURLToPath(new URL('../../protocol/test/fixtures/pinus-protobuf.json', import.meta.url));
const HANDSHAKE_HEX =
  '0100003b7b22737973223a7b2274797065223a226a732d776562736f636b6574222c2276657273696f6e223a22302e302e31227d2c2275736572223a7b7d7d';

interface Step {
  hex?: string;
  conn?: string;
}
const recording = JSON.parse(readFileSync(RECORDING, 'utf8')) as { scenarios: { steps: Step[] }[] };
const frameCount = recording.scenarios.reduce((n, s) => n + s.steps.filter((st) => st.hex).length, 0);

beforeAll(ensureBuilt, 120_000);

describe('nanokit decode', () => {
  it('decodes every recorded frame of the real nano server, with routes and bodies', async () => {
    const { code, stdout, stderr } = await runCli(['decode', '--capture', RECORDING]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).not.toContain('ERR_');
    // The dictionary comes from the handshake reply; responses get the route of their request.
    expect(stdout).toContain('02-request-response/ws:A C>S Request #1 Room.Join {"name":"alice","n":1}');
    expect(stdout).toContain('Response #1 Room.Join {"code":0,"uid":1,"echo":{"name":"alice","n":1}}');
    expect(stdout).toContain('Request #16384 Room.Echo {"id":16384}');
    expect(stdout).toContain('Notify Room.Message(2) {"from":"bob","text":"compressed notify"}');
    expect(stdout).toContain('Push onMessage(3) {"from":"alice","text":"hello room"}');
    expect(stdout).toContain('Response #6 Room.Echo text "plain text, not json"');
    // The coalesced first write (handshake, ack, two requests and a compressed notify in one chunk) decodes whole.
    expect(stdout).toMatch(
      /15-fragmentation-coalescing\/tcp:B C>S Handshake .*\n\s+HandshakeAck\n\s+Request #1 Room\.Join/,
    );
  });

  it('--json: one object per frame, every frame decoded', async () => {
    const { code, stdout } = await runCli(['decode', '-c', RECORDING, '--json']);
    expect(code).toBe(0);
    const frames = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(frames).toHaveLength(frameCount);
    expect(frames.filter((f) => f.error)).toEqual([]);
    const big = frames.find(
      (f) => f.conn === '09-big/ws:A' && f.packets[0]?.message?.route === 'Room.Big' && f.dir === 'S>C',
    );
    expect(big.packets[0].length).toBeGreaterThan(60_000);
    const kinds = new Set(frames.flatMap((f) => f.packets.map((p: { packet: string }) => p.packet)));
    expect([...kinds].sort()).toEqual(['Data', 'Handshake', 'HandshakeAck', 'Heartbeat']);
  });

  it('decodes hex from an argument and from stdin, with a dictionary given on the command line', async () => {
    const arg = await runCli(['decode', HANDSHAKE_HEX]);
    expect(arg).toMatchObject({
      code: 0,
      stdout: 'Handshake {"sys":{"type":"js-websocket","version":"0.0.1"},"user":{}}\n',
    });
    // A compressed push (flag 0x07: push + compressed route, code 3) spaced like xxd output, then a heartbeat.
    const push = '04 00 00 0a 07 00 03 7b 22 61 22 3a 31 7d';
    const stdin = await runCli(['decode', '--dict', '{"onMessage":3}'], { input: `${push}\n03000000\n` });
    expect(stdin.stdout).toBe('Push onMessage(3) {"a":1}\nHeartbeat\n');
    expect(stdin.code).toBe(0);
  });

  it('--pomelo: pomelo-protobuf bodies with the protos of the handshake, on frames recorded from a real pinus', async () => {
    const pinus = JSON.parse(readFileSync(PINUS, 'utf8')) as {
      handshake: string;
      frames: { route: string; value: unknown; packet: string }[];
    };
    const input = [pinus.handshake, ...pinus.frames.map((f) => f.packet)].join('\n');
    const { code, stdout } = await runCli(['decode', '--pomelo', '--json'], { input });
    expect(code).toBe(0);
    const messages = stdout
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => JSON.parse(l).packets[0].message);
    expect(messages.map((m) => [m.type, m.route, m.body])).toEqual([
      ['Request', pinus.frames[0]?.route, pinus.frames[0]?.value],
      ['Response', pinus.frames[1]?.route, pinus.frames[1]?.value],
      ['Push', pinus.frames[2]?.route, pinus.frames[2]?.value],
    ]);
    // Without --pomelo the same bodies are not JSON: shown raw.
    const plain = await runCli(['decode'], { input });
    expect(plain.stdout).toContain('Push onChatProto(14) hex 0a0a766563746f72732d7773');
  });

  it('bad input: a typed error and exit code 1, the other chunks still decoded', async () => {
    const { code, stdout } = await runCli(['decode'], { input: '03000000\n0400000500000341ff\n03000000\n' });
    expect(code).toBe(1);
    expect(stdout).toBe('Heartbeat\nERR_ROUTE_OVERRUN: route length 3\nHeartbeat\n');
    const truncated = await runCli(['decode', '04000003']);
    expect(truncated.code).toBe(1);
    expect(truncated.stdout).toContain('ERR_TRUNCATED_PACKET');
    const notHex = await runCli(['decode', 'zz']);
    expect(notHex).toMatchObject({ code: 1, stdout: 'ERR_BAD_HEX: not hex: unexpected character "z"\n' });
    const usage = await runCli(['decode', '--nope']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("Unknown option '--nope'");
  });
});
