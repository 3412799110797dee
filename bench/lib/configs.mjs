/**
 * The server × driver pairs that are measured, and how the report names them.
 * @module
 */

/**
 * @typedef {object} Pairing
 * @property {'client-lite' | 'raw-lite' | 'raw-ws'} id
 * @property {import('./phases.mjs').ServerKind} server
 * @property {import('../drivers/open.mjs').DriverKind} driver
 * @property {string} label
 * @property {string} color chart colour
 */

/** @type {readonly Pairing[]} */
export const PAIRINGS = Object.freeze([
  { id: 'client-lite', server: 'lite', driver: 'client', label: 'server-lite ← @nanokit/client', color: '#2563eb' },
  { id: 'raw-lite', server: 'lite', driver: 'raw', label: 'server-lite ← hand-rolled driver', color: '#16a34a' },
  {
    id: 'raw-ws',
    server: 'ws',
    driver: 'raw-ws',
    label: 'raw ws echo (ceiling) ← hand-rolled driver',
    color: '#9ca3af',
  },
]);

/**
 * @param {Pairing['id']} id
 * @returns {Pairing}
 */
export function pairing(id) {
  const found = PAIRINGS.find((p) => p.id === id);
  if (!found) throw new Error(`unknown pairing ${id}`);
  return found;
}
