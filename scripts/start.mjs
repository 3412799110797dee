// `npm start`: builds the packages if their dist is missing or stale, then starts the chat room
// (examples/chat/server.mjs); `npm start -- tadpole` (or `npm run tadpole`) starts the tadpole pond
// (examples/tadpole/server.mjs) instead. Flags and env pass through: `npm start -- --port 8080`, `PORT=8080 npm start`.
import { ensureBuild } from './ensure-build.mjs';

const examples = { chat: '../examples/chat/server.mjs', tadpole: '../examples/tadpole/server.mjs' };
const which = process.argv[2] === 'tadpole' || process.argv[2] === 'chat' ? process.argv.splice(2, 1)[0] : 'chat';
ensureBuild();
await import(examples[which]);
