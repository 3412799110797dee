// The deployed JS clients' codec: pomelo-protocol 0.1.6 from npm (lib/protocol.js, the protocol.js that starx-wsclient
// and pomelo's jsclient ship), loaded the way a browser runs it. The file picks Node's Buffer when `window` is
// undefined and Uint8Array with its own `strencode` (one UTF-16 unit at a time: CESU-8) when it is defined, so it runs
// here in a vm context with a `window` and no `Buffer`, and a `module` object as the web clients' bundler provides.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import vm from 'node:vm';
import WebSocket from 'ws';

/** The parts of pomelo-protocol the old clients use. Byte arrays are Uint8Arrays of the vm context's realm. */
export interface OldProtocol {
  strencode(text: string): Uint8Array;
  strdecode(bytes: Uint8Array): string;
  Package: {
    encode(type: number, body?: Uint8Array): Uint8Array;
    decode(bytes: Uint8Array): { type: number; body: Uint8Array | null } | { type: number; body: Uint8Array | null }[];
  };
  Message: {
    encode(id: number, type: number, compressRoute: number, route: string, body: Uint8Array): Uint8Array;
    decode(bytes: Uint8Array): { id: number; type: number; route: string | number; body: Uint8Array };
  };
}

/** The path of pomelo-protocol's lib/protocol.js in node_modules. */
export const oldProtocolFile = createRequire(import.meta.url).resolve('pomelo-protocol/lib/protocol.js');

/** pomelo-protocol 0.1.6 in browser mode (see the top of this file). */
export function loadOldProtocol(): OldProtocol {
  const context = vm.createContext({});
  vm.runInContext('var window = this; var module = { exports: {} };', context);
  vm.runInContext(readFileSync(oldProtocolFile, 'utf8'), context, { filename: oldProtocolFile });
  return (context as { window: { Protocol: OldProtocol } }).window.Protocol;
}

/** A push as an old client sees it: the route and the body its `strdecode` + `JSON.parse` give. */
export interface OldPush {
  route: string | number;
  body: unknown;
}

/**
 * An old web client over a real WebSocket, doing what pomelo's jsclient and starx-wsclient do with pomelo-protocol:
 * handshake, ack, heartbeat answers, requests and notifies encoded by `strencode`, pushes decoded by `strdecode`.
 */
export async function oldClient(url: string, P: OldProtocol) {
  const ws = new WebSocket(url);
  ws.binaryType = 'arraybuffer';
  const pushes: OldPush[] = [];
  const responses = new Map<number, unknown>();
  const waiters: (() => void)[] = [];
  const sent: Uint8Array[] = [];
  const send = (bytes: Uint8Array) => {
    sent.push(Uint8Array.from(bytes));
    ws.send(Uint8Array.from(bytes));
  };
  const json = (value: unknown) => P.strencode(JSON.stringify(value));
  let id = 0;
  let ready: (() => void) | undefined;
  ws.on('message', (data: ArrayBuffer) => {
    const decoded = P.Package.decode(new Uint8Array(data));
    for (const { type, body } of Array.isArray(decoded) ? decoded : [decoded]) {
      if (type === 1) {
        send(P.Package.encode(2));
        ready?.();
      } else if (type === 3) send(P.Package.encode(3));
      else if (type === 4 && body) {
        const msg = P.Message.decode(body);
        const value = JSON.parse(P.strdecode(msg.body));
        if (msg.type === 2) responses.set(msg.id, value);
        else pushes.push({ route: msg.route, body: value });
        for (const w of waiters.splice(0)) w();
      }
    }
  });
  await new Promise<void>((resolve, reject) => {
    ready = resolve;
    ws.once('error', reject);
    ws.once('open', () =>
      send(P.Package.encode(1, json({ sys: { type: 'js-websocket', version: '0.0.1' }, user: {} }))),
    );
  });
  const until = async (done: () => boolean) => {
    while (!done()) await new Promise<void>((r) => waiters.push(r));
  };
  return {
    /** Every packet sent, as bytes. */
    sent,
    async request(route: string, body: unknown): Promise<unknown> {
      const mine = ++id;
      send(P.Package.encode(4, P.Message.encode(mine, 0, 0, route, json(body))));
      await until(() => responses.has(mine));
      return responses.get(mine);
    },
    /**
     * A notify. `oldJson`: JSON as browsers wrote it before ES2019, with lone surrogates as such rather than as `\\u`
     * escapes, so that `strencode` turns them into 3-byte sequences too.
     */
    notify(route: string, body: unknown, { oldJson = false } = {}): void {
      const text = JSON.stringify(body);
      const raw = oldJson
        ? text.replace(/\\u(d[89a-f][0-9a-f]{2})/g, (_, unit: string) => String.fromCharCode(Number.parseInt(unit, 16)))
        : text;
      send(P.Package.encode(4, P.Message.encode(0, 1, 0, route, P.strencode(raw))));
    },
    /** The next push of `route` (bounded by the test timeout). */
    async next(route: string): Promise<unknown> {
      await until(() => pushes.some((p) => p.route === route));
      const at = pushes.findIndex((p) => p.route === route);
      return pushes.splice(at, 1)[0]?.body;
    },
    close: () => ws.close(),
  };
}
