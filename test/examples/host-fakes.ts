// Host API shims for running the engine examples in a `vm` context: a fake `wx` (WeChat mini-game) and a fake `egret`
// (Egret engine), written from the API cards in docs/runtimes.md. Their sockets are real: each wraps a `ws` WebSocket
// to a real server, so the global build talks the real protocol through the host-shaped API. URLs are redirected to
// the test server, like the WeChat devtools' "don't verify domains" switch would let a dev build reach a local one.
import { types } from 'node:util';
import vm from 'node:vm';
import WebSocket from 'ws';

const toArrayBuffer = (bytes: Uint8Array): ArrayBuffer =>
  bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;

/** What a fake saw: URLs the code asked for and misuses a real host would punish. */
export interface HostLog {
  urls: string[];
  problems: string[];
}

type Callback = (res: unknown) => void;

/** Makes ArrayBuffers of another realm (the vm context the game runs in), as a host delivers its own. */
export type BufferMaker = (bytes: Uint8Array) => ArrayBuffer;

/** A {@link BufferMaker} for a vm context: `instanceof ArrayBuffer` inside the context holds for what it makes. */
export function bufferMakerFor(context: object): BufferMaker {
  const RealmUint8Array = vm.runInContext('Uint8Array', context) as Uint8ArrayConstructor;
  return (bytes) => {
    const copy = new RealmUint8Array(bytes.length);
    copy.set(bytes);
    return copy.buffer as ArrayBuffer;
  };
}

/** The event half of a fake SocketTask: `onOpen`/`onMessage`/`onError`/`onClose` to register, `emit` to fire. */
function socketTaskEvents() {
  const handlers: Record<'open' | 'message' | 'error' | 'close', Callback[]> = {
    open: [],
    message: [],
    error: [],
    close: [],
  };
  return {
    emit: (type: keyof typeof handlers, res: unknown) => {
      for (const fn of handlers[type]) fn(res);
    },
    listeners: {
      onOpen: (fn: Callback) => handlers.open.push(fn),
      onMessage: (fn: Callback) => handlers.message.push(fn),
      onError: (fn: Callback) => handlers.error.push(fn),
      onClose: (fn: Callback) => handlers.close.push(fn),
    },
  };
}

/**
 * A fake `wx` with `connectSocket` (SocketTask API), `createCanvas`, `onShow`/`onHide`. Like a device, it sends only
 * exact ArrayBuffers (a typed-array view throws, as old adapters did) and delivers binary as ArrayBuffer, made in the
 * game's realm by `host.makeBuffer` (set it with {@link bufferMakerFor} once the context exists).
 */
export function fakeWx(serverUrl: string) {
  const host = { makeBuffer: toArrayBuffer as BufferMaker };
  const log: HostLog = { urls: [], problems: [] };
  const texts: string[] = [];
  const showHandlers: (() => void)[] = [];
  const hideHandlers: (() => void)[] = [];
  const wx = {
    connectSocket(options: { url: string; header?: Record<string, string>; protocols?: string[] }) {
      log.urls.push(options.url);
      const { emit, listeners } = socketTaskEvents();
      const ws = new WebSocket(serverUrl, options.protocols ?? [], { headers: options.header ?? {} });
      ws.on('open', () => emit('open', { header: {} }));
      ws.on('message', (data: Buffer, isBinary: boolean) =>
        emit('message', { data: isBinary ? host.makeBuffer(data) : data.toString('utf8') }),
      );
      ws.on('error', (err) => emit('error', { errMsg: `connectSocket:fail ${err.message}` }));
      ws.on('close', (code, reason) => emit('close', { code, reason: reason.toString('utf8') }));
      return {
        send(o: { data: ArrayBuffer | string; success?: Callback; fail?: Callback }) {
          // `types.isArrayBuffer`, not instanceof: the game runs in another realm (a vm context) with its own ArrayBuffer.
          if (typeof o.data !== 'string' && !types.isArrayBuffer(o.data)) {
            log.problems.push('send() got a view, not an ArrayBuffer');
            throw new TypeError('data must be an ArrayBuffer or a string');
          }
          ws.send(typeof o.data === 'string' ? o.data : Buffer.from(o.data));
          o.success?.({ errMsg: 'sendSocketMessage:ok' });
        },
        close(o?: { code?: number; reason?: string }) {
          ws.close(o?.code ?? 1000, o?.reason ?? '');
        },
        ...listeners,
      };
    },
    createCanvas() {
      const context = {
        fillStyle: '',
        font: '',
        fillRect() {},
        fillText(text: string) {
          texts.push(text);
        },
      };
      return { width: 375, height: 667, getContext: () => context };
    },
    onShow: (fn: () => void) => showHandlers.push(fn),
    onHide: (fn: () => void) => hideHandlers.push(fn),
  };
  return Object.assign(host, {
    wx,
    log,
    texts,
    show: () => {
      for (const fn of showHandlers) fn();
    },
    hide: () => {
      for (const fn of hideHandlers) fn();
    },
  });
}

type Listener = { type: string; fn: (event?: unknown) => void; thisObject: unknown };

/** A fake `egret` namespace: display list basics plus `egret.WebSocket` / `egret.ByteArray` per the Egret card. */
export function fakeEgret(serverUrl: string) {
  const log: HostLog = { urls: [], problems: [] };

  class EventDispatcher {
    listeners: Listener[] = [];
    addEventListener(type: string, fn: (event?: unknown) => void, thisObject: unknown) {
      this.listeners.push({ type, fn, thisObject });
    }
    removeEventListener(type: string, fn: (event?: unknown) => void, thisObject: unknown) {
      this.listeners = this.listeners.filter((l) => !(l.type === type && l.fn === fn && l.thisObject === thisObject));
    }
    hasEventListener(type: string) {
      return this.listeners.some((l) => l.type === type);
    }
    dispatchEventWith(type: string) {
      for (const l of this.listeners.filter((x) => x.type === type)) l.fn.call(l.thisObject, { type, target: this });
      return true;
    }
  }
  class DisplayObject extends EventDispatcher {
    x = 0;
    y = 0;
    width = 0;
    height = 0;
    stage: Stage | null = null;
  }
  class DisplayObjectContainer extends DisplayObject {
    children: DisplayObject[] = [];
    addChild(child: DisplayObject) {
      this.children.push(child);
      const stage = this instanceof Stage ? this : this.stage;
      if (stage && !child.stage) {
        child.stage = stage;
        child.dispatchEventWith(Event.ADDED_TO_STAGE);
      }
      return child;
    }
    removeChild(child: DisplayObject) {
      this.children = this.children.filter((c) => c !== child);
      return child;
    }
  }
  class Stage extends DisplayObjectContainer {
    stageWidth = 640;
    stageHeight = 1136;
  }
  class TextField extends DisplayObject {
    text = '';
    size = 30;
    textColor = 0xffffff;
  }
  // biome-ignore lint/complexity/noStaticOnlyClass: Egret's event classes are classes with static type names.
  class Event {
    static ADDED_TO_STAGE = 'addedToStage';
    static CONNECT = 'connect';
    static CLOSE = 'close';
  }
  class ProgressEvent extends Event {
    static SOCKET_DATA = 'socketData';
  }
  class IOErrorEvent extends Event {
    static IO_ERROR = 'ioError';
  }
  /** Growable byte store; `buffer` returns a copy of the valid bytes, like Egret's. */
  class ByteArray {
    bytes: Uint8Array;
    length: number;
    position = 0;
    constructor(buffer?: ArrayBuffer | Uint8Array) {
      this.bytes = buffer ? new Uint8Array(buffer instanceof Uint8Array ? buffer : buffer.slice(0)) : new Uint8Array(0);
      this.length = this.bytes.length;
    }
    get buffer(): ArrayBuffer {
      return this.bytes.buffer.slice(this.bytes.byteOffset, this.bytes.byteOffset + this.length) as ArrayBuffer;
    }
    get bytesAvailable() {
      return this.length - this.position;
    }
    append(chunk: Uint8Array) {
      const next = new Uint8Array(this.length + chunk.length);
      next.set(this.bytes.subarray(0, this.length));
      next.set(chunk, this.length);
      this.bytes = next;
      this.length = next.length;
    }
    clear() {
      this.bytes = new Uint8Array(0);
      this.length = 0;
      this.position = 0;
    }
  }
  class EgretWebSocket extends EventDispatcher {
    static TYPE_STRING = 'webSocketTypeString';
    static TYPE_BINARY = 'webSocketTypeBinary';
    type = EgretWebSocket.TYPE_STRING;
    connected = false;
    socket: WebSocket | null = null;
    readonly input = new ByteArray();
    connectByUrl(url: string) {
      if (this.socket) return; // Egret ignores connect* while connecting or connected
      log.urls.push(url);
      if (this.type !== EgretWebSocket.TYPE_BINARY) log.problems.push('connected before setting TYPE_BINARY');
      const ws = new WebSocket(serverUrl);
      this.socket = ws;
      ws.on('open', () => {
        this.connected = true;
        this.dispatchEventWith(Event.CONNECT);
      });
      ws.on('message', (data: Buffer) => {
        // Egret appends every message to one buffer and fires SOCKET_DATA synchronously.
        this.input.append(new Uint8Array(data));
        this.dispatchEventWith(ProgressEvent.SOCKET_DATA);
      });
      ws.on('error', () => this.dispatchEventWith(IOErrorEvent.IO_ERROR));
      ws.on('close', () => {
        this.connected = false;
        this.dispatchEventWith(Event.CLOSE);
      });
    }
    writeBytes(bytes: ByteArray, offset = 0, length = bytes.length - offset) {
      if (!this.connected || !this.socket) {
        log.problems.push('writeBytes while not connected (Egret warning 3101, data dropped)');
        return;
      }
      this.socket.send(Buffer.from(bytes.bytes.subarray(offset, offset + length)));
    }
    readBytes(target: ByteArray) {
      target.append(this.input.bytes.subarray(0, this.input.length));
      this.input.clear();
    }
    close() {
      if (this.connected) this.socket?.close();
    }
  }

  const egret = {
    EventDispatcher,
    DisplayObject,
    DisplayObjectContainer,
    Stage,
    TextField,
    Event,
    ProgressEvent,
    IOErrorEvent,
    ByteArray,
    WebSocket: EgretWebSocket,
  };
  return { egret, log };
}

/** What the test drives on the Cocos example component (examples/cocos-creator/assets/scripts/NanoChat.ts). */
export interface CocosChat {
  serverUrl: string;
  nickname: string;
  log: { string: string } | null;
  input: { string: string } | null;
  start(): void;
  send(): void;
  onDestroy(): void;
}

/**
 * A fake `cc` module with what the component uses: legacy decorators that do nothing (Creator's only register
 * metadata for the editor), `Component`, `Label`, `EditBox`, and `game` with `Game.EVENT_HIDE`/`EVENT_SHOW`.
 */
export function fakeCocos() {
  const listeners: { type: string; fn: () => void; target: unknown }[] = [];
  const game = {
    listeners,
    on(type: string, fn: () => void, target: unknown) {
      listeners.push({ type, fn, target });
    },
    off(type: string, fn: () => void, target: unknown) {
      const i = listeners.findIndex((l) => l.type === type && l.fn === fn && l.target === target);
      if (i !== -1) listeners.splice(i, 1);
    },
    emit(type: string) {
      for (const l of listeners.filter((x) => x.type === type)) l.fn.call(l.target);
    },
  };
  // `@property` is used bare (legacy decorator call with target + key) and as a factory (`@property(Label)`).
  const property = (...args: unknown[]) => (typeof args[1] === 'string' ? undefined : () => undefined);
  const cc = {
    _decorator: { ccclass: (_name: string) => (ctor: unknown) => ctor, property },
    Component: class {},
    Label: class {
      string = '';
    },
    EditBox: class {
      string = '';
    },
    Game: { EVENT_HIDE: 'game_on_hide', EVENT_SHOW: 'game_on_show' },
    game,
  };
  return { cc, game };
}

/**
 * A fake Alipay `my` with `connectSocket({ multiple: true })` returning a SocketTask. Binary travels as base64 text
 * with `isBuffer: true`; incoming messages use the top-level shape (`res.data`, `res.isBuffer`; Alipay docs) or the
 * nested one (`res.data.data`, `res.data.isBuffer`; Cocos' and Egret's adapters). Errors carry `errorMessage`.
 */
export function fakeMy(serverUrl: string, shape: 'top-level' | 'nested') {
  const log: HostLog = { urls: [], problems: [] };
  const my = {
    connectSocket(options: { url: string; multiple?: boolean; header?: Record<string, string> }) {
      log.urls.push(options.url);
      if (options.multiple !== true) log.problems.push('connectSocket without multiple: true (one global socket)');
      const { emit, listeners } = socketTaskEvents();
      const ws = new WebSocket(serverUrl);
      ws.on('open', () => emit('open', {}));
      ws.on('message', (data: Buffer, isBinary: boolean) => {
        const payload = isBinary ? { data: data.toString('base64'), isBuffer: true } : { data: data.toString('utf8') };
        emit('message', shape === 'nested' ? { data: payload } : payload);
      });
      ws.on('error', (err) => emit('error', { errorMessage: err.message }));
      ws.on('close', (code, reason) => emit('close', { code, reason: reason.toString('utf8') }));
      return {
        send(o: { data: string; isBuffer?: boolean }) {
          if (typeof o.data !== 'string') {
            log.problems.push('send() got binary data; Alipay takes base64 text with isBuffer: true');
            return;
          }
          ws.send(o.isBuffer ? Buffer.from(o.data, 'base64') : o.data);
        },
        close(o?: { code?: number; reason?: string }) {
          ws.close(o?.code ?? 1000, o?.reason ?? '');
        },
        ...listeners,
      };
    },
  };
  return { my, log };
}
