/**
 * What a Node socket error means for the client: before the connection opened, a {@link ConnectError} whose code
 * says why (refused, DNS, HTTP status, TLS, timeout); once open, `ERR_SOCKET`. The host's error is the `cause`.
 * @packageDocumentation
 */
import { NanoError } from '@nanokit/protocol';
import { ConnectError, type ConnectErrorCode } from '../errors.js';

/** Error codes of OpenSSL and of Node's certificate checks (`DEPTH_ZERO_SELF_SIGNED_CERT`, `CERT_HAS_EXPIRED`…). */
const TLS = /^ERR_(SSL|TLS|OSSL)_|CERT|SIGNATURE|^EPROTO$/;

/**
 * @internal Types `error`, reported by the socket of `url`. `opened`: the socket had opened (an error now is not a
 * connect failure).
 */
export function nodeSocketError(error: unknown, url: string, opened: boolean): NanoError {
  const { code = '', message = String(error) } = (error || {}) as { code?: unknown; message?: string };
  if (opened) return new NanoError('ERR_SOCKET', `${url}: ${message}`, { cause: error });
  // `ws` reports a refused upgrade only in its message.
  const http = /^Unexpected server response: (\d+)/.exec(message);
  const kind: ConnectErrorCode = http
    ? 'ERR_CONNECT_HTTP'
    : code === 'ECONNREFUSED'
      ? 'ERR_CONNECT_REFUSED'
      : code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_FAIL' || code === 'EAI_NONAME'
        ? 'ERR_CONNECT_DNS'
        : code === 'ETIMEDOUT'
          ? 'ERR_CONNECT_TIMEOUT'
          : typeof code === 'string' && TLS.test(code)
            ? 'ERR_CONNECT_TLS'
            : 'ERR_CONNECT_FAILED';
  const status = http ? Number(http[1]) : undefined;
  return new ConnectError(
    kind,
    1006,
    status ? `http ${status}` : String(code),
    `connect to ${url} failed: ${message}`,
    error,
    status,
  );
}
