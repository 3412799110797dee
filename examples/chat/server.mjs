// `npm start`: the chat room on http://127.0.0.1:3250/ (PORT / HOST or --port / --host to change it).
import { parseArgs } from 'node:util';
import { startChatServer } from './chat-server.mjs';

const { values } = parseArgs({
  options: { port: { type: 'string', short: 'p' }, host: { type: 'string', short: 'H' } },
  allowPositionals: false,
});
const port = Number(values.port ?? process.env.PORT ?? 3250);
const host = values.host ?? process.env.HOST ?? '127.0.0.1';
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`nanokit chat: bad port ${values.port ?? process.env.PORT}`);
  process.exit(2);
}

const chat = await startChatServer({ port, host });

// Handlers first, then the URL: whoever reads the URL may signal us at once.
let stopping = false;
const stop = () => {
  if (stopping) process.exit(1);
  stopping = true;
  chat.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

console.log(`nanokit chat room: ${chat.url}  (WebSocket endpoint ${chat.wsUrl})`);
console.log('open it in two browser tabs; Ctrl+C stops the server');
