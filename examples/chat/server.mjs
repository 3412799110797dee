// `npm start`: the chat room on http://127.0.0.1:3250/ (PORT / HOST or --port / --host to change it).
import { runServerCli } from '../lib/serve-cli.mjs';
import { startChatServer } from './chat-server.mjs';

await runServerCli({
  name: 'chat',
  defaultPort: 3250,
  start: startChatServer,
  banner: (chat) => [
    `nanokit chat room: ${chat.url}  (WebSocket endpoint ${chat.wsUrl})`,
    'open it in two browser tabs; Ctrl+C stops the server',
  ],
});
