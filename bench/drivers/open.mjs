/**
 * Opens many sessions of one driver kind, a bounded number at a time (so the listen backlog never overflows).
 * @module
 */

/**
 * @typedef {'client' | 'raw' | 'raw-ws'} DriverKind
 * `client`: @nanokit/client; `raw`: raw ws + codec with the nano handshake; `raw-ws`: the same without a handshake
 * (for the plain `ws` echo server).
 */

/**
 * @param {DriverKind} kind
 * @returns {Promise<(url: string) => Promise<import('./session.mjs').LoadSession>>}
 */
export async function sessionOpener(kind) {
  if (kind === 'client') return (await import('./client.mjs')).openClientSession;
  const { openRawSession } = await import('./raw.mjs');
  if (kind === 'raw') return (url) => openRawSession(url, { handshake: true });
  if (kind === 'raw-ws') return (url) => openRawSession(url, { handshake: false });
  throw new Error(`unknown driver kind ${kind}`);
}

/**
 * Opens `count` sessions, `batch` at a time.
 * @param {(url: string) => Promise<import('./session.mjs').LoadSession>} open
 * @param {string} url
 * @param {number} count
 * @param {number} [batch]
 * @returns {Promise<import('./session.mjs').LoadSession[]>}
 */
export async function openSessions(open, url, count, batch = 50) {
  /** @type {import('./session.mjs').LoadSession[]} */
  const sessions = [];
  try {
    while (sessions.length < count) {
      const n = Math.min(batch, count - sessions.length);
      const opened = await Promise.all(Array.from({ length: n }, () => open(url)));
      sessions.push(...opened);
    }
  } catch (error) {
    await Promise.all(sessions.map((s) => s.close()));
    throw error;
  }
  return sessions;
}
