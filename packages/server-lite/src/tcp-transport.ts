/**
 * The plain TCP transport on `net` (noDelay on, so small packets are not held back by Nagle's algorithm).
 * @packageDocumentation
 */
import { createServer, type Server as NetServer, type Socket } from 'node:net';
import type { NanoServer } from './server.js';
import { Session } from './session.js';

const SESSION = Symbol('nanokit.session');
type Tagged = { [SESSION]: TcpSession };

/** How long a gracefully ended TCP socket may wait for the peer's FIN before it is destroyed, in ms. */
const END_GRACE_MS = 2000;

/** A session over a TCP socket. */
export class TcpSession extends Session {
  /** Always `'tcp'`. */
  get transport(): 'tcp' {
    return 'tcp';
  }
  /** @internal */ readonly _socket: Socket;

  /** @internal */
  constructor(server: NanoServer, socket: Socket, id: number, tick: number) {
    super(server, id, socket.remoteAddress ?? '', tick);
    this._socket = socket;
    (socket as unknown as Tagged)[SESSION] = this;
    socket.setNoDelay(true);
    socket.on('data', onData);
    socket.on('close', onClose);
    socket.on('error', onError);
  }

  /** @internal */
  _bufferedBytes(): number {
    return this._socket.writableLength;
  }

  protected _write(packet: Uint8Array): void {
    this._socket.write(packet);
  }

  protected _endGracefully(): void {
    const socket = this._socket;
    socket.end();
    setTimeout(() => socket.destroy(), END_GRACE_MS).unref();
  }

  /** @internal */
  _destroy(): void {
    this._socket.destroy();
  }
}

function onData(this: Socket, chunk: Buffer): void {
  (this as unknown as Tagged)[SESSION]._receive(chunk);
}

function onClose(this: Socket): void {
  (this as unknown as Tagged)[SESSION]._onSocketClosed();
}

function onError(this: Socket, error: Error): void {
  const session = (this as unknown as Tagged)[SESSION];
  session._server._logger.debug('tcp socket error', { session: session.id, error });
}

/** @internal One TCP listener. */
export class TcpEndpoint {
  readonly net: NetServer;

  constructor(server: NanoServer) {
    this.net = createServer({ noDelay: true }, (socket) => {
      if (server._admit('tcp', undefined) !== 0) {
        socket.destroy();
        return;
      }
      server._acceptTcp(socket);
    });
  }

  /** Stops accepting; resolves when the listener is closed (open sessions are closed by the server). */
  stop(): Promise<void> {
    return new Promise((resolve) => {
      this.net.close(() => resolve());
    });
  }
}
