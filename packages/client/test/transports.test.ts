// Transport adapters against fakes of their host APIs. The engines (browsers' WebSocket aside, which `ws` covers
// in the integration tests) do not run here, so each fake is written from the host API's documentation as
// summarised in docs/runtimes.md (browser WebSocket card, WeChat/Douyin SocketTask card, Alipay
// my.connectSocket card, Egret egret.WebSocket card). They check what the docs promise, not the real engines.

import { createServer, type Socket } from 'node:net';
import {
  alipayTransport,
  type CloseInfo,
  egretTransport,
  miniGameTransport,
  NanoClient,
  webSocketTransport,
} from '@nanokit/client';
import { encodeHandshakeResponse, encodePacket, PacketType } from '@nanokit/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { decodeBase64, encodeBase64 } from '../src/base64.js';
import { parseTcpUrl, tcpTransport } from '../src/transports/tcp.js';

function recorder() {
  const log: { open: number; messages: number[][]; packets: number[][]; closes: CloseInfo[]; errors: unknown[] } = {
    open: 0,
    messages: [],
    packets: [],
    closes: [],
    errors: [],
  };
  return {
    log,
    handlers: {
      onOpen: () => log.open++,
      onMessage: (d: Uint8Array) => log.messages.push(Array.from(d)),
      // A packet as its type then its body bytes, copied at once (what is checked is the bytes at delivery).
      onPacket: (type: number, body: Uint8Array) => log.packets.push([type, ...body]),
      onClose: (info: CloseInfo) => log.closes.push(info),
      onError: (e: unknown) => log.errors.push(e),
    },
  };
}

/** A view into a larger buffer: sending `.buffer` would leak the surrounding bytes. */
function viewOfLarger(bytes: number[]): Uint8Array {
  const big = new Uint8Array(bytes.length + 8).fill(0xee);
  big.set(bytes, 4);
  return big.subarray(4, 4 + bytes.length);
}

// ---------------------------------------------------------------------------------------------------------------
// Browser / Cocos / RN WebSocket (runtimes.md "Browser" and "Cocos Creator" cards): on* properties, binaryType,
// close events with code/reason/wasClean, error followed by close, close() allowed while connecting.
class FakeWebSocket {
  static instances: FakeWebSocket[] = [];
  binaryType = 'blob';
  readyState = 0;
  onopen: ((e: unknown) => void) | null = null;
  onmessage: ((e: { data: unknown }) => void) | null = null;
  onerror: ((e: unknown) => void) | null = null;
  onclose: ((e: { code: number; reason: string; wasClean: boolean }) => void) | null = null;
  readonly sent: unknown[] = [];
  readonly args: unknown[];
  constructor(...args: unknown[]) {
    this.args = args;
    FakeWebSocket.instances.push(this);
  }
  send(data: unknown) {
    if (this.readyState !== 1) throw new Error('INVALID_STATE_ERR');
    this.sent.push(data);
  }
  close(code?: number, reason?: string) {
    this.readyState = 2;
    // The close event comes later, as in browsers.
    queueMicrotask(() => this.serverClose(code ?? 1005, reason ?? '', true));
  }
  // host side
  serverOpen() {
    this.readyState = 1;
    this.onopen?.({});
  }
  serverMessage(data: unknown) {
    this.onmessage?.({ data });
  }
  serverClose(code: number, reason: string, wasClean: boolean) {
    this.readyState = 3;
    this.onclose?.({ code, reason, wasClean });
  }
}

describe('webSocketTransport (fake WebSocket per the browser/Cocos docs)', () => {
  afterEach(() => {
    FakeWebSocket.instances = [];
    vi.unstubAllGlobals();
  });

  it('sets binaryType, sends exact ArrayBuffers, receives ArrayBuffer, text and Buffer views', () => {
    const { log, handlers } = recorder();
    const t = webSocketTransport(FakeWebSocket)({ url: 'wss://x/nano' }, handlers);
    const ws = FakeWebSocket.instances[0] as FakeWebSocket;
    expect(ws.args).toEqual(['wss://x/nano']);
    expect(ws.binaryType).toBe('arraybuffer');
    expect(t.send(new Uint8Array([1]))).toBe(false); // not open yet
    ws.serverOpen();
    expect(t.send(viewOfLarger([1, 2, 3]))).toBe(true);
    const sent = ws.sent[0] as ArrayBuffer;
    expect(sent).toBeInstanceOf(ArrayBuffer);
    expect(Array.from(new Uint8Array(sent))).toEqual([1, 2, 3]);
    ws.serverMessage(new Uint8Array([4, 0, 0, 0]).buffer);
    ws.serverMessage('hé');
    ws.serverMessage(Buffer.from([9, 8]));
    expect(log.messages).toEqual([
      [4, 0, 0, 0],
      [0x68, 0xc3, 0xa9],
      [9, 8],
    ]);
    expect(log.open).toBe(1);
  });

  it('passes extra constructor args (Cocos native CA path, ws options) after protocols', () => {
    webSocketTransport(FakeWebSocket, ['cacert.pem'])({ url: 'wss://x' }, recorder().handlers);
    webSocketTransport(FakeWebSocket)({ url: 'wss://x', protocols: ['nano'] }, recorder().handlers);
    expect(FakeWebSocket.instances.map((w) => w.args)).toEqual([
      ['wss://x', [], 'cacert.pem'],
      ['wss://x', ['nano']],
    ]);
  });

  it('reports exactly one close: error then close, and local close followed by the host event', async () => {
    const a = recorder();
    webSocketTransport(FakeWebSocket)({ url: 'ws://a' }, a.handlers);
    const wa = FakeWebSocket.instances[0] as FakeWebSocket;
    wa.onerror?.({ type: 'error' });
    wa.serverClose(1006, '', false);
    wa.serverClose(1006, '', false);
    expect(a.log.errors.length).toBe(1);
    expect(a.log.closes).toEqual([{ code: 1006, reason: '', wasClean: false }]);

    const b = recorder();
    const tb = webSocketTransport(FakeWebSocket)({ url: 'ws://b' }, b.handlers);
    tb.close(4000, 'heartbeat-timeout'); // while connecting
    tb.close();
    await Promise.resolve();
    expect(b.log.closes).toEqual([{ code: 4000, reason: 'heartbeat-timeout', wasClean: true }]);
  });

  it('closes a socket it gave up while connecting once it opens, on hosts that cannot close it before', () => {
    // Some shims throw when closing a socket that is still connecting; mini-game adapters may ignore the call.
    class StubbornWebSocket extends FakeWebSocket {
      closes = 0;
      constructor(
        readonly throws: boolean,
        ...args: unknown[]
      ) {
        super(...args);
      }
      override close(code?: number, reason?: string) {
        this.closes++;
        if (this.readyState === 0) {
          if (this.throws) throw new Error('INVALID_STATE_ERR');
          return;
        }
        super.close(code, reason);
      }
    }
    for (const throws of [true, false]) {
      const { log, handlers } = recorder();
      const Ctor = function (this: unknown, ...args: unknown[]) {
        return new StubbornWebSocket(throws, ...args);
      } as unknown as typeof FakeWebSocket;
      const t = webSocketTransport(Ctor)({ url: 'ws://slow' }, handlers);
      const ws = FakeWebSocket.instances.at(-1) as StubbornWebSocket;
      t.close(4001, 'connect-timeout');
      expect(log.closes).toEqual([{ code: 4001, reason: 'connect-timeout', wasClean: true }]);
      ws.serverOpen(); // the host finishes connecting after all
      expect(ws.closes).toBe(2);
      expect(ws.readyState).toBe(2);
      expect(log.open).toBe(0);
    }
  });

  it('uses the global WebSocket lazily, and throws ERR_NO_TRANSPORT without one', () => {
    const factory = webSocketTransport(); // nothing is read at creation
    vi.stubGlobal('WebSocket', undefined);
    expect(() => factory({ url: 'ws://x' }, recorder().handlers)).toThrow(
      expect.objectContaining({ code: 'ERR_NO_TRANSPORT' }),
    );
    vi.stubGlobal('WebSocket', FakeWebSocket);
    factory({ url: 'ws://x' }, recorder().handlers);
    expect(FakeWebSocket.instances.length).toBe(1);
  });

  it('carries a whole NanoClient handshake and request', async () => {
    const client = new NanoClient({ url: 'ws://x', transport: webSocketTransport(FakeWebSocket), heartbeat: false });
    const connected = client.connect();
    await vi.waitFor(() => expect(FakeWebSocket.instances.length).toBe(1));
    const ws = FakeWebSocket.instances[0] as FakeWebSocket;
    ws.serverOpen();
    expect(ws.sent.length).toBe(1); // the handshake
    ws.serverMessage(encodePacket(PacketType.Handshake, encodeHandshakeResponse({ heartbeat: 10 })).buffer);
    expect((await connected).heartbeat).toBe(10);
    const response = client.request('Room.Join', { a: 1 });
    // 04 00 00 04 | flag 04 (Response) | id 1 | {}  → the request resolves with {}
    ws.serverMessage(new Uint8Array([4, 0, 0, 4, 0x04, 0x01, 0x7b, 0x7d]).buffer);
    expect(await response).toEqual({});
    client.close();
  });
});

// ---------------------------------------------------------------------------------------------------------------
// WeChat / Douyin SocketTask (runtimes.md "WeChat mini-game" and "ByteDance / Douyin" cards): connectSocket({url,
// header, protocols, timeout}) returns a task; register onOpen etc. synchronously; res.data is string|ArrayBuffer;
// send({data}) takes an ArrayBuffer; close before open is unreliable; onError carries errMsg.
function fakeMiniGameHost() {
  const tasks: ReturnType<typeof makeTask>[] = [];
  function makeTask(options: Record<string, unknown>) {
    const cb: Record<string, ((res: unknown) => void) | undefined> = {};
    const task = {
      options,
      sent: [] as unknown[],
      closeCalls: [] as unknown[],
      send: (o: { data: unknown }) => task.sent.push(o.data),
      close: (o?: unknown) => task.closeCalls.push(o ?? {}),
      onOpen: (f: (res: unknown) => void) => (cb['open'] = f),
      onMessage: (f: (res: unknown) => void) => (cb['message'] = f),
      onError: (f: (res: unknown) => void) => (cb['error'] = f),
      onClose: (f: (res: unknown) => void) => (cb['close'] = f),
      fire: (name: string, res?: unknown) => cb[name]?.(res),
      registered: () => Object.keys(cb).sort(),
    };
    return task;
  }
  const api = {
    connectSocket(options: Record<string, unknown>) {
      const task = makeTask(options);
      tasks.push(task);
      return task;
    },
  };
  return { api, tasks };
}

describe('miniGameTransport over wx and tt (fake SocketTask per the WeChat/Douyin docs)', () => {
  for (const name of ['wx', 'tt'] as const) {
    it(`${name}: passes url/header/protocols/timeout, sends exact ArrayBuffers, receives ArrayBuffer and text`, () => {
      const host = fakeMiniGameHost();
      const { log, handlers } = recorder();
      const t = miniGameTransport(host.api as never)(
        { url: 'wss://g/nano', headers: { a: 'b' }, protocols: ['p'], connectTimeout: 5000 },
        handlers,
      );
      const task = host.tasks[0]!;
      expect(task.options).toEqual({ url: 'wss://g/nano', header: { a: 'b' }, protocols: ['p'], timeout: 5000 });
      expect(task.registered()).toEqual(['close', 'error', 'message', 'open']);
      expect(t.send(new Uint8Array([1]))).toBe(false);
      task.fire('open');
      expect(t.send(viewOfLarger([7, 8, 9]))).toBe(true);
      expect(task.sent[0]).toBeInstanceOf(ArrayBuffer);
      expect(Array.from(new Uint8Array(task.sent[0] as ArrayBuffer))).toEqual([7, 8, 9]);
      task.fire('message', { data: new Uint8Array([3, 0, 0, 0]).buffer });
      task.fire('message', { data: 'ok' });
      expect(log.messages).toEqual([
        [3, 0, 0, 0],
        [0x6f, 0x6b],
      ]);
      task.fire('close', { code: 1000, reason: 'bye' });
      task.fire('close', { code: 1000, reason: 'bye' });
      expect(log.closes).toEqual([{ code: 1000, reason: 'bye', wasClean: true }]);
    });
  }

  it('close while connecting reports the close at once and closes the task when it opens', () => {
    const host = fakeMiniGameHost();
    const { log, handlers } = recorder();
    const t = miniGameTransport(host.api as never)({ url: 'wss://g' }, handlers);
    const task = host.tasks[0]!;
    t.close(4001, 'connect-timeout');
    expect(log.closes).toEqual([{ code: 4001, reason: 'connect-timeout', wasClean: true }]);
    expect(task.closeCalls).toEqual([]);
    task.fire('open');
    expect(log.open).toBe(0);
    expect(task.closeCalls.length).toBe(1);
  });

  it('an error ends the connection with one close (the host may send none after it)', () => {
    const host = fakeMiniGameHost();
    const { log, handlers } = recorder();
    miniGameTransport(host.api as never)({ url: 'wss://g' }, handlers);
    const task = host.tasks[0]!;
    task.fire('error', { errMsg: 'connectSocket:fail' });
    task.fire('close', { code: 1006, reason: '' });
    expect(log.errors).toEqual([new Error('connectSocket:fail')]);
    expect(log.closes).toEqual([{ code: 1006, reason: 'connectSocket:fail', wasClean: false }]);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Alipay (runtimes.md "Alipay" card): my.connectSocket({url, multiple: true}) returns a SocketTask; binary is
// base64 text with isBuffer; received messages come as res.{data,isBuffer} or nested res.data.{data,isBuffer};
// errors carry errorMessage.
describe('alipayTransport (fake my.connectSocket per the Alipay docs)', () => {
  it('asks for a SocketTask, sends base64 + isBuffer, accepts both payload shapes', () => {
    const host = fakeMiniGameHost();
    const { log, handlers } = recorder();
    const t = alipayTransport(host.api as never)({ url: 'wss://a', headers: { k: 'v' } }, handlers);
    const task = host.tasks[0]!;
    expect(task.options).toEqual({ url: 'wss://a', header: { k: 'v' }, multiple: true });
    task.fire('open');
    const sent: unknown[] = [];
    task.send = (o: unknown) => sent.push(o);
    t.send(new Uint8Array([4, 0, 0, 2, 0xff, 0x00]));
    expect(sent).toEqual([{ data: 'BAAAAv8A', isBuffer: true }]);
    task.fire('message', { data: 'AwAAAA==', isBuffer: true });
    task.fire('message', { data: { data: 'AwAAAA==', isBuffer: true } });
    task.fire('message', { data: 'hi' });
    expect(log.messages).toEqual([
      [3, 0, 0, 0],
      [3, 0, 0, 0],
      [0x68, 0x69],
    ]);
    task.fire('error', { errorMessage: 'network down' });
    task.fire('close', {});
    expect(log.closes).toEqual([{ code: 1006, reason: 'network down', wasClean: false }]);
  });

  it('base64 round-trips every byte value and odd lengths', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    for (const n of [0, 1, 2, 3, 4, 5, 255, 256]) {
      const bytes = all.subarray(0, n);
      const text = encodeBase64(bytes);
      expect(text).toBe(Buffer.from(bytes).toString('base64'));
      expect(Array.from(decodeBase64(text))).toEqual(Array.from(bytes));
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Egret (runtimes.md "Egret" card): new egret.WebSocket(); type = TYPE_BINARY before connecting; CONNECT,
// SOCKET_DATA, CLOSE, IO_ERROR events via addEventListener(type, fn, thisObject); writeBytes(ByteArray, offset,
// length) sends at once; readBytes(ByteArray) drains everything received; CLOSE/IO_ERROR have no code;
// close() is a no-op unless connected; ByteArray.buffer is a sliced copy.
function fakeEgret() {
  class ByteArray {
    data: number[];
    constructor(buffer?: ArrayBuffer) {
      this.data = buffer ? Array.from(new Uint8Array(buffer)) : [];
    }
    get length() {
      return this.data.length;
    }
    get buffer(): ArrayBuffer {
      return Uint8Array.from(this.data).buffer;
    }
  }
  class WebSocket {
    static TYPE_BINARY = 'webSocketTypeBinary';
    static instances: WebSocket[] = [];
    type = 'webSocketTypeString';
    typeAtConnect = '';
    connected = false;
    url = '';
    written: number[][] = [];
    inbox: number[] = [];
    listeners = new Map<string, (e?: unknown) => void>();
    constructor() {
      WebSocket.instances.push(this);
    }
    addEventListener(type: string, fn: (e?: unknown) => void) {
      this.listeners.set(type, fn);
    }
    removeEventListener(type: string) {
      this.listeners.delete(type);
    }
    connectByUrl(url: string) {
      this.url = url;
      this.typeAtConnect = this.type;
    }
    writeBytes(bytes: ByteArray, offset = 0, length = bytes.length) {
      if (!this.connected) return; // egret only logs warning 3101
      this.written.push(bytes.data.slice(offset, offset + length));
    }
    readBytes(into: ByteArray) {
      into.data.push(...this.inbox);
      this.inbox = [];
    }
    close() {
      if (!this.connected) return; // no-op unless connected
      this.connected = false;
      this.listeners.get('close')?.();
    }
    // host side
    fire(type: string) {
      if (type === 'connect') this.connected = true;
      this.listeners.get(type)?.({ type });
    }
    deliver(bytes: number[]) {
      this.inbox.push(...bytes);
      this.fire('socketData');
    }
  }
  return {
    WebSocket,
    ByteArray,
    Event: { CONNECT: 'connect', CLOSE: 'close' },
    ProgressEvent: { SOCKET_DATA: 'socketData' },
    IOErrorEvent: { IO_ERROR: 'ioError' },
  };
}

describe('egretTransport (fake egret.WebSocket per the Egret docs)', () => {
  it('connects in binary mode, writes ByteArrays, drains readBytes on SOCKET_DATA', () => {
    const egret = fakeEgret();
    const { log, handlers } = recorder();
    const t = egretTransport(egret as never)({ url: 'wss://e/nano' }, handlers);
    const s = egret.WebSocket.instances[0]!;
    expect(s.url).toBe('wss://e/nano');
    expect(s.typeAtConnect).toBe('webSocketTypeBinary');
    expect(t.send(new Uint8Array([1]))).toBe(false);
    s.fire('connect');
    expect(log.open).toBe(1);
    expect(t.send(new Uint8Array([4, 0, 0, 1, 0x02]))).toBe(true);
    expect(s.written).toEqual([[4, 0, 0, 1, 0x02]]);
    s.deliver([3, 0, 0, 0]);
    expect(log.messages).toEqual([[3, 0, 0, 0]]);
    s.fire('close');
    expect(log.closes).toEqual([{ code: 1006, reason: '', wasClean: false }]);
  });

  it('abandons the socket on close while connecting (egret close() is a no-op then), one close only', () => {
    const egret = fakeEgret();
    const { log, handlers } = recorder();
    const t = egretTransport(egret as never)({ url: 'wss://e' }, handlers);
    const s = egret.WebSocket.instances[0]!;
    t.close(4001, 'connect-timeout');
    expect(log.closes).toEqual([{ code: 4001, reason: 'connect-timeout', wasClean: true }]);
    expect(s.connected).toBe(false);
    s.fire('connect'); // too late for the client, but the socket is closed as soon as it can be
    expect(log.open).toBe(0);
    expect(s.connected).toBe(false);
    expect(s.listeners.size).toBe(0);
    expect(log.closes.length).toBe(1);
  });

  it('IO_ERROR reports the error and one close', () => {
    const egret = fakeEgret();
    const { log, handlers } = recorder();
    egretTransport(egret as never)({ url: 'wss://e' }, handlers);
    const s = egret.WebSocket.instances[0]!;
    s.fire('ioError');
    s.fire('close');
    expect(log.errors.length).toBe(1);
    expect(log.closes).toEqual([{ code: 1006, reason: '', wasClean: false }]);
  });
});

describe('tcp URLs', () => {
  it('parses tcp://host:port, IPv6 in brackets, and rejects others', () => {
    expect(parseTcpUrl('tcp://127.0.0.1:3251')).toEqual({ host: '127.0.0.1', port: 3251 });
    expect(parseTcpUrl('tcp://[::1]:3251/')).toEqual({ host: '::1', port: 3251 });
    expect(() => parseTcpUrl('ws://127.0.0.1:3251')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_URL' }));
  });
});

describe('tcpTransport (a real TCP server on 127.0.0.1)', () => {
  it('hands each packet to onPacket as it is framed: several in one write, one split over writes; no onMessage', async () => {
    let peer: Socket | undefined;
    const server = createServer((socket) => {
      peer = socket;
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const { log, handlers } = recorder();
    const opened = new Promise<void>((resolve) => {
      handlers.onOpen = () => {
        log.open++;
        resolve();
        return 0;
      };
    });
    const t = tcpTransport()({ url: `tcp://127.0.0.1:${port}` }, handlers);
    await opened;
    const heartbeat = encodePacket(PacketType.Heartbeat);
    const data = encodePacket(PacketType.Data, new Uint8Array([4, 1, 2, 3, 5]));
    const kick = encodePacket(PacketType.Kick, new Uint8Array([7, 8]));
    const socket = peer as Socket;
    const until = async (n: number) => {
      while (log.packets.length < n) await new Promise((r) => setTimeout(r, 5));
    };
    socket.write(Buffer.concat([heartbeat, data]));
    await until(2);
    socket.write(kick.subarray(0, 3)); // a header cut in two
    await new Promise((r) => setTimeout(r, 20));
    socket.write(kick.subarray(3, 5));
    await new Promise((r) => setTimeout(r, 20));
    socket.write(kick.subarray(5));
    await until(3);
    expect(log.packets).toEqual([[PacketType.Heartbeat], [PacketType.Data, 4, 1, 2, 3, 5], [PacketType.Kick, 7, 8]]);
    expect(log.messages).toEqual([]);
    t.close();
    expect(log.closes).toEqual([{ code: 1000, reason: '', wasClean: true }]);
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});
