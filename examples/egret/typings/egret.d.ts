// The part of Egret's engine typings (libs/modules/egret/egret.d.ts, libs/modules/socket/socket.d.ts) that the example
// uses, written from Egret's documented API (egret-core is not published to npm, so CI cannot install the real file).
// A real Egret project already has the full typings.
declare namespace egret {
  class HashObject {}
  class EventDispatcher extends HashObject {
    addEventListener(
      type: string,
      listener: Function,
      thisObject: unknown,
      useCapture?: boolean,
      priority?: number,
    ): void;
    removeEventListener(type: string, listener: Function, thisObject: unknown, useCapture?: boolean): void;
    hasEventListener(type: string): boolean;
    dispatchEventWith(type: string, bubbles?: boolean, data?: unknown): boolean;
  }
  class Event extends HashObject {
    static ADDED_TO_STAGE: string;
    static CONNECT: string;
    static CLOSE: string;
    constructor(type: string, bubbles?: boolean, cancelable?: boolean, data?: unknown);
    readonly type: string;
  }
  class ProgressEvent extends Event {
    static SOCKET_DATA: string;
  }
  class IOErrorEvent extends Event {
    static IO_ERROR: string;
  }
  class Stage extends DisplayObjectContainer {
    stageWidth: number;
    stageHeight: number;
  }
  class DisplayObject extends EventDispatcher {
    x: number;
    y: number;
    width: number;
    height: number;
    readonly stage: Stage;
  }
  class DisplayObjectContainer extends DisplayObject {
    addChild(child: DisplayObject): DisplayObject;
    removeChild(child: DisplayObject): DisplayObject;
  }
  class TextField extends DisplayObject {
    text: string;
    size: number;
    textColor: number;
  }
  class ByteArray {
    constructor(buffer?: ArrayBuffer | Uint8Array, bufferExtSize?: number);
    readonly bytes: Uint8Array;
    buffer: ArrayBuffer;
    length: number;
    position: number;
    readonly bytesAvailable: number;
    clear(): void;
  }
  class WebSocket extends EventDispatcher {
    static TYPE_STRING: string;
    static TYPE_BINARY: string;
    type: string;
    readonly connected: boolean;
    connect(host: string, port: number): void;
    connectByUrl(url: string): void;
    close(): void;
    flush(): void;
    writeUTF(message: string): void;
    readUTF(): string;
    writeBytes(bytes: ByteArray, offset?: number, length?: number): void;
    readBytes(bytes: ByteArray, offset?: number, length?: number): void;
  }
}
