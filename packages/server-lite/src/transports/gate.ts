/**
 * What a transport endpoint asks before it opens a connection: the server's admission rules, implemented by
 * `NanoServer` and passed down, so that transports know no server.
 * @packageDocumentation
 */
import type { IncomingMessage } from 'node:http';
import type { ConnectionHost } from '../connection.js';

export interface Gate {
  /** Where the connections the endpoint opens report. */
  readonly host: ConnectionHost;
  /**
   * While the lifetime hooks run: a promise that settles when they are done (an attached endpoint holds its upgrades
   * until then). Null once they have run or failed.
   */
  starting(): Promise<void> | null;
  /** 0 to accept a connection from `remoteAddress`, else the HTTP status to refuse it with. */
  admit(transport: 'ws' | 'tcp', remoteAddress: string, request: IncomingMessage | undefined): number;
  /** True once the server is shutting down (a WebSocket whose upgrade completes then is cut). */
  closing(): boolean;
}
