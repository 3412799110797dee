/**
 * pomelo 2.2.7's handshake reply: besides `sys.dict` it carries the same dictionary as `routeToCode` and inverted as
 * `codeToRoute` (docs/protocol.md › Handshake). `routeToCode` stands in for `dict` when that is missing; `codeToRoute` always comes
 * with both, so it is read by nobody.
 */
import { describe, expect, it } from 'vitest';
import { encodeUtf8, parseHandshakeResponse } from '../src/index.js';
import { expectProtocolError } from './helpers.js';

const reply = (sys: object) => encodeUtf8(JSON.stringify({ code: 200, sys: { heartbeat: 3, ...sys } }));

describe('pomelo handshake fields', () => {
  it('a full pomelo reply: dict, routeToCode and codeToRoute agree; dict is used', () => {
    const hs = parseHandshakeResponse(
      reply({
        dict: { 'chat.chatHandler.send': 1, onChat: 2 },
        routeToCode: { 'chat.chatHandler.send': 1, onChat: 2 },
        codeToRoute: { '1': 'chat.chatHandler.send', '2': 'onChat' },
        dictVersion: 'dg==',
        useDict: true,
      }),
    );
    expect(hs.dict).toEqual({ 'chat.chatHandler.send': 1, onChat: 2 });
    expect(hs.dictionary.route(2)).toBe('onChat');
  });

  it('routeToCode alone is the dictionary', () => {
    const hs = parseHandshakeResponse(reply({ routeToCode: { onChat: 2 }, useDict: true }));
    expect(hs.dict).toEqual({ onChat: 2 });
    expect(hs.dictionary.code('onChat')).toBe(2);
  });

  it('codeToRoute is not read (pomelo never sends it without dict and routeToCode)', () => {
    const hs = parseHandshakeResponse(reply({ codeToRoute: { '1': 'a.b' }, useDict: true }));
    expect(hs.dict).toBeUndefined();
    expect(hs.dictionary.code('a.b')).toBeUndefined();
  });

  it('a malformed routeToCode is ERR_INVALID_HANDSHAKE, like a malformed dict', () => {
    expectProtocolError(() => parseHandshakeResponse(reply({ routeToCode: { a: 70000 } })), 'ERR_INVALID_HANDSHAKE');
    expectProtocolError(() => parseHandshakeResponse(reply({ routeToCode: [1] })), 'ERR_INVALID_HANDSHAKE');
  });
});
