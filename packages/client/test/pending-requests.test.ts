import { describe, expect, it } from 'vitest';
import { MAX_REQUEST_ID, type PendingRequest, PendingRequests } from '../src/pending-requests.js';

const entry = (): PendingRequest => ({
  route: 'r',
  resolve: () => {},
  reject: () => {},
  deadline: 0,
  timeout: 0,
  signal: undefined,
  onAbort: undefined,
  packet: undefined,
});

describe('request ids', () => {
  it('start at 1, stay in 1…2^31−1, wrap, and skip ids still pending', () => {
    const p = new PendingRequests();
    expect([p.next(), p.next()]).toEqual([1, 2]);
    p.map.set(1, entry()); // still pending after the wrap
    p.map.set(3, entry());
    p.last = MAX_REQUEST_ID - 1;
    expect([p.next(), p.next(), p.next()]).toEqual([MAX_REQUEST_ID, 2, 4]);
    expect(MAX_REQUEST_ID).toBe(2 ** 31 - 1);
  });
});
