// `npm start`: builds the packages if their dist is missing or stale, then starts the chat room
// (examples/chat/server.mjs). Flags and env pass through: `npm start -- --port 8080`, `PORT=8080 npm start`.
import { ensureBuild } from './ensure-build.mjs';

ensureBuild();
await import('../examples/chat/server.mjs');
