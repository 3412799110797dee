// Preloaded (`node --import`) for documentation snippets written for WeChat mini-games: a global `wx` whose
// `connectSocket` is a real `ws` WebSocket, with the SocketTask callbacks of the WeChat docs (binary as ArrayBuffer).
import WebSocket from 'ws';

globalThis.wx = {
  connectSocket({ url, header, protocols }) {
    const ws = new WebSocket(url, protocols, { headers: header });
    ws.binaryType = 'arraybuffer';
    return {
      send: ({ data }) => ws.send(data),
      close: ({ code, reason } = {}) => ws.close(code, reason),
      onOpen: (cb) => ws.on('open', () => cb({})),
      onMessage: (cb) => ws.on('message', (data) => cb({ data })),
      onError: (cb) => ws.on('error', (err) => cb({ errMsg: err.message })),
      onClose: (cb) => ws.on('close', (code, reason) => cb({ code, reason: reason.toString() })),
    };
  },
};
