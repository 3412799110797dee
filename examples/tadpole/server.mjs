// `npm run tadpole`: the pond on http://127.0.0.1:23456/ (PORT / HOST or --port / --host to change it).
import { runServerCli } from '../lib/serve-cli.mjs';
import { startTadpoleServer } from './tadpole-server.mjs';

await runServerCli({
  name: 'tadpole',
  defaultPort: 23456,
  start: startTadpoleServer,
  banner: (pond) => [
    `nanokit tadpole pond: ${pond.url}  (WebSocket endpoint ${pond.wsUrl})`,
    'open it in two browser tabs, steer with the mouse or the arrow keys; Ctrl+C stops the server',
  ],
});
