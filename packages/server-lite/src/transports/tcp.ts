/**
 * The plain TCP transport on `net` (noDelay on, so small packets are not held back by Nagle's algorithm).
 * @packageDocumentation
 */
import { createServer, type Server as NetServer, type Socket } from 'node:net';
import { Connection, type ConnectionHost, cutWhenStuck } from '../connection.js';
import type { Gate } from './gate.js';

const CONNECTION = Symbol('nanokit.connection');
type Tagged = { [CONNECTION]: TcpConnection };

/** A connection over a TCP socket. */
export class TcpConnection extends Connection {
  readonly socket: Socket;

  constructor(host: ConnectionHost, socket: Socket) {
    super(host, socket.remoteAddress ?? '');
    this.socket = socket;
    (socket as unknown as Tagged)[CONNECTION] = this;
    socket.setNoDelay(true);
    socket.on('data', onData);
    socket.on('close', onClose);
    socket.on('error', onError);
  }

  get transport(): 'tcp' {
    return 'tcp';
  }

  bufferedBytes(): number {
    return this.socket.writableLength;
  }

  protected write(packet: Uint8Array): void {
    this.socket.write(packet);
  }

  protected endGracefully(): void {
    const socket = this.socket;
    socket.end();
    cutWhenStuck(
      () => socket.writableLength,
      () => socket.destroyed,
      () => socket.destroy(),
    );
  }

  destroy(): void {
    this.socket.destroy();
  }
}

function onData(this: Socket, chunk: Buffer): void {
  (this as unknown as Tagged)[CONNECTION].receive(chunk);
}

function onClose(this: Socket): void {
  (this as unknown as Tagged)[CONNECTION].socketClosedByPeer();
}

function onError(this: Socket, error: Error): void {
  const conn = (this as unknown as Tagged)[CONNECTION];
  conn.host.logger.debug('tcp socket error', { session: conn.session.id, error });
}

/** One TCP listener. */
export class TcpEndpoint {
  readonly net: NetServer;

  constructor(gate: Gate) {
    this.net = createServer({ noDelay: true }, (socket) => {
      if (gate.admit('tcp', socket.remoteAddress ?? '', undefined) !== 0) {
        socket.destroy();
        return;
      }
      gate.host.opened(new TcpConnection(gate.host, socket));
    });
  }

  /** Stops accepting; resolves when the listener is closed (open sessions are closed by the server). */
  stop(): Promise<void> {
    return new Promise((resolve) => {
      this.net.close(() => resolve());
    });
  }
}
