/** The leak check shared by the client tests: a client that is closed, or never opened, holds nothing. */
import type { NanoClient } from '@nanokit/client';
import { expect } from 'vitest';

/** Asserts that `client` has no pending request, timer, abort listener, queued notify or transport left. */
export function expectNothingLeft(client: Pick<NanoClient, 'debugStats'>): void {
  expect(client.debugStats()).toEqual({
    pendingRequests: 0,
    timers: 0,
    signalListeners: 0,
    queuedNotifies: 0,
    transports: 0,
  });
}
