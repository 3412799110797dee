// How the Node transports type a socket error: the codes of docs/errors.md, "Why `connect()` failed". The real
// sockets of connect-errors.test.ts cover refused, DNS, HTTP and TLS; the errors here are the ones loopback cannot
// produce on demand (an OS connect timeout, a DNS server failure, an expired certificate), shaped as Node makes them.
import { describe, expect, it } from 'vitest';
import { ConnectError } from '../src/errors.js';
import { nodeSocketError } from '../src/transports/node-errors.js';

const URL = 'ws://game.example:3250';
const system = (code: string, message = `connect ${code}`) => Object.assign(new Error(message), { code });

describe('nodeSocketError', () => {
  it.each([
    [system('ECONNREFUSED'), 'ERR_CONNECT_REFUSED', 'ECONNREFUSED'],
    [system('ENOTFOUND'), 'ERR_CONNECT_DNS', 'ENOTFOUND'],
    [system('EAI_AGAIN'), 'ERR_CONNECT_DNS', 'EAI_AGAIN'],
    [system('ETIMEDOUT'), 'ERR_CONNECT_TIMEOUT', 'ETIMEDOUT'],
    [system('CERT_HAS_EXPIRED'), 'ERR_CONNECT_TLS', 'CERT_HAS_EXPIRED'],
    [system('ERR_SSL_WRONG_VERSION_NUMBER'), 'ERR_CONNECT_TLS', 'ERR_SSL_WRONG_VERSION_NUMBER'],
    [system('ECONNRESET'), 'ERR_CONNECT_FAILED', 'ECONNRESET'],
    [new Error('Unexpected server response: 503'), 'ERR_CONNECT_HTTP', 'http 503'],
  ])('before the socket opened, %s is %s (closeCode 1006, reason %j), the error its cause', (error, code, reason) => {
    const typed = nodeSocketError(error, URL, false);
    expect(typed).toBeInstanceOf(ConnectError);
    expect(typed).toMatchObject({ code, closeCode: 1006, reason, cause: error });
    expect(typed.message).toBe(`connect to ${URL} failed: ${error.message}`);
  });

  it('a refused upgrade carries its HTTP status', () => {
    expect(nodeSocketError(new Error('Unexpected server response: 404'), URL, false)).toMatchObject({ status: 404 });
  });

  it('once the socket opened, any error is ERR_SOCKET, not a connect failure', () => {
    const error = system('ECONNRESET', 'read ECONNRESET');
    const typed = nodeSocketError(error, URL, true);
    expect(typed).not.toBeInstanceOf(ConnectError);
    expect(typed).toMatchObject({ code: 'ERR_SOCKET', message: `${URL}: read ECONNRESET`, cause: error });
  });

  it('a thrown value that is not an error still gets a message', () => {
    expect(nodeSocketError('boom', URL, false)).toMatchObject({
      code: 'ERR_CONNECT_FAILED',
      message: `connect to ${URL} failed: boom`,
    });
  });
});
