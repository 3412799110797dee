// Why connect() failed, over real sockets on 127.0.0.1: a closed port, an HTTP server refusing the upgrade, a DNS
// failure (injected through the socket's `lookup` option: no real DNS query), TLS with a self-signed certificate,
// a server that never answers, a malformed URL; and the errors of request()/notify() before connect().
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type LookupFunction, type Socket } from 'node:net';
import { ConnectError, ConnectionClosedError, isNanoError, NanoClient, type NanoClientOptions } from '@nanokit/client';
import { nodeTransport, tcpTransport } from '@nanokit/client/node';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { NanoClient as BrowserNanoClient } from '../src/client.js';
import { webSocketTransport } from '../src/transports/websocket.js';
import { expectNothingLeft } from './nothing-left.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

function client(options: NanoClientOptions): NanoClient {
  const c = new NanoClient({ reconnect: false, ...options });
  cleanups.push(() => c.close());
  return c;
}

/** Listens on a free loopback port; closed after the test. */
async function listen<S extends Server | ReturnType<typeof createNetServer>>(server: S): Promise<number> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  );
  return (server.address() as { port: number }).port;
}

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The host names `failingLookup` was asked for: the test fails if the transport resolved them some other way. */
const lookedUp: string[] = [];

/** A `lookup` that fails as getaddrinfo does for an unknown host. */
const failingLookup: LookupFunction = (hostname, _options, callback) => {
  lookedUp.push(hostname);
  const error = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), {
    code: 'ENOTFOUND',
    errno: -3008,
    syscall: 'getaddrinfo',
    hostname,
  });
  process.nextTick(() => callback(error as NodeJS.ErrnoException, '', 4));
};

async function connectError(c: NanoClient): Promise<ConnectError> {
  const error = await c.connect().then(
    () => {
      throw new Error('connect() resolved');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConnectError);
  expect(error).toBeInstanceOf(ConnectionClosedError); // closeCode and reason, as before
  expect(c.state).toBe('closed');
  expectNothingLeft(c);
  return error as ConnectError;
}

describe('connect() says why it failed', () => {
  it.each(['ws', 'tcp'])('a closed port (%s): ERR_CONNECT_REFUSED, cause ECONNREFUSED', async (scheme) => {
    const port = await closedPort();
    const url = `${scheme}://127.0.0.1:${port}`;
    const error = await connectError(client({ url }));
    expect(error.code).toBe('ERR_CONNECT_REFUSED');
    expect(error.cause).toMatchObject({ code: 'ECONNREFUSED' });
    expect(error.message).toContain(url);
    expect(error.closeCode).toBe(1006);
    expect(isNanoError(error, 'ERR_CONNECT_REFUSED')).toBe(true);
    expect(isNanoError(error.cause)).toBe(false);
  });

  it('an HTTP server answering 404 to the upgrade: ERR_CONNECT_HTTP with status 404', async () => {
    const server = createServer((_req, res) => res.writeHead(404).end('no such path'));
    const port = await listen(server);
    const error = await connectError(client({ url: `ws://127.0.0.1:${port}/wrong` }));
    expect(error.code).toBe('ERR_CONNECT_HTTP');
    expect(error.status).toBe(404);
    expect((error.cause as Error).message).toBe('Unexpected server response: 404');
  });

  it.each([
    ['ws', (lookup: LookupFunction) => nodeTransport({ lookup })],
    ['tcp', (lookup: LookupFunction) => tcpTransport({ lookup })],
  ])(
    'a host name that does not resolve (%s, lookup injected): ERR_CONNECT_DNS, cause ENOTFOUND',
    async (scheme, make) => {
      const url = `${scheme}://no-such-host.invalid:3250`;
      lookedUp.length = 0;
      const error = await connectError(client({ url, transport: make(failingLookup) }));
      expect(error.code).toBe('ERR_CONNECT_DNS');
      expect(error.cause).toMatchObject({ code: 'ENOTFOUND', hostname: 'no-such-host.invalid' });
      expect(lookedUp).toEqual(['no-such-host.invalid']);
    },
  );

  it('TLS with an untrusted (self-signed) certificate: ERR_CONNECT_TLS; trusting it gets through TLS', async () => {
    const cert = readFileSync(new URL('./fixtures/self-signed.cert.pem', import.meta.url));
    const key = readFileSync(new URL('./fixtures/self-signed.key.pem', import.meta.url));
    const server = createHttpsServer({ cert, key }, (_req, res) => res.writeHead(404).end());
    const port = await listen(server as unknown as Server);
    const url = `wss://127.0.0.1:${port}/nano`;
    const error = await connectError(client({ url }));
    expect(error.code).toBe('ERR_CONNECT_TLS');
    expect(error.cause).toMatchObject({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    // The same server with its certificate trusted: TLS works, and the 404 behind it is what fails.
    const trusted = await connectError(client({ url, transport: nodeTransport({ ca: cert }) }));
    expect(trusted.code).toBe('ERR_CONNECT_HTTP');
    expect(trusted.status).toBe(404);
  });

  it('wss:// to a plain TCP port: ERR_CONNECT_TLS', async () => {
    const server = createNetServer((socket) => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    const port = await listen(server);
    const error = await connectError(client({ url: `wss://127.0.0.1:${port}` }));
    expect(error.code).toBe('ERR_CONNECT_TLS');
  });

  it('a server that answers the handshake with a packet of no known type: over ws its ProtocolError', async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((resolve) => wss.once('listening', resolve));
    cleanups.push(() => new Promise<void>((resolve) => wss.close(() => resolve())));
    wss.on('connection', (ws) => ws.once('message', () => ws.send(Uint8Array.of(0xff, 0, 0, 0))));
    const url = `ws://127.0.0.1:${(wss.address() as { port: number }).port}`;
    const error = await client({ url })
      .connect()
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_UNKNOWN_PACKET_TYPE' });
  });

  it('the same over TCP: ERR_CONNECT_FAILED (4002, protocol-error), the ProtocolError its cause', async () => {
    const server = createNetServer((socket) => socket.once('data', () => socket.write(Uint8Array.of(0xff, 0, 0, 0))));
    const port = await listen(server);
    const error = await connectError(client({ url: `tcp://127.0.0.1:${port}` }));
    expect(error).toMatchObject({
      code: 'ERR_CONNECT_FAILED',
      closeCode: 4002,
      reason: 'protocol-error',
      cause: expect.objectContaining({ code: 'ERR_UNKNOWN_PACKET_TYPE' }),
    });
  });

  it.each(['ws', 'tcp'])('a server that accepts and never answers (%s): ERR_CONNECT_TIMEOUT', async (scheme) => {
    const server = createNetServer(() => {}); // holds the socket, says nothing
    const port = await listen(server);
    const error = await connectError(client({ url: `${scheme}://127.0.0.1:${port}`, connectTimeout: 200 }));
    expect(error.code).toBe('ERR_CONNECT_TIMEOUT');
    expect(error.closeCode).toBe(4001);
    expect(error.reason).toBe('connect-timeout');
  });

  it.each([
    'localhost:3250',
    '127.0.0.1',
    'ws://',
    'ws:///path',
    '',
    'ws://127.0.0.1:99999',
    'ws://a b',
    'ws://[::1',
    'ftp://127.0.0.1:3250',
    'tcp://127.0.0.1:99999',
    'tcp://127.0.0.1:0',
    'tcp://a b:3250',
    'tcp://user@127.0.0.1:3250',
  ])('a malformed URL (%j) is ERR_INVALID_URL, and no socket is opened', async (url) => {
    const c = client({ url });
    const error = await c.connect().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_INVALID_URL' });
    expect(isNanoError(error, 'ERR_INVALID_URL')).toBe(true);
    expect(c.state).toBe('closed');
    expectNothingLeft(c);
  });

  it('the browser entry: a URL that its WebSocket constructor refuses is ERR_CONNECT_FAILED, the SyntaxError its cause', async () => {
    // `ws` stands in for the browser's WebSocket: both throw a SyntaxError for a port over 65535.
    const c = new BrowserNanoClient({
      url: 'ws://127.0.0.1:99999',
      reconnect: false,
      transport: webSocketTransport(WebSocket),
    });
    const error = await c.connect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectError);
    expect(error).toMatchObject({ code: 'ERR_CONNECT_FAILED', cause: expect.any(SyntaxError) });
    expect(c.state).toBe('closed');
  });

  it('tcp:// without a port is ERR_INVALID_URL', async () => {
    const error = await client({ url: 'tcp://127.0.0.1' })
      .connect()
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_INVALID_URL' });
  });
});

describe('before connect()', () => {
  it('request() and notify() say to call connect() first', async () => {
    const c = client({ url: 'ws://127.0.0.1:1' });
    const error = await c.request('Room.Join', {}).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_CONNECTION_CLOSED', reason: 'not-connected' });
    expect((error as Error).message).toBe('not connected (idle): call connect() first');
    expect(() => c.notify('Room.Chat', {})).toThrow('not connected (idle): call connect() first');
  });
});
