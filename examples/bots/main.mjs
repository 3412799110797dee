// `node examples/bots/main.mjs [--bots 10] [--messages 5] [--ws ws://host:port/nano] [--tcp tcp://host:port]`
// Without --ws/--tcp it starts its own chat room (examples/chat) with a WebSocket and a TCP endpoint on free ports.
// Needs the built packages (npm run build). Prints a summary; exits 1 if a bot missed anything.
import { parseArgs } from 'node:util';
import { startChatServer } from '../chat/chat-server.mjs';
import { formatSummary, runBots } from './bots.mjs';

const { values } = parseArgs({
  options: {
    bots: { type: 'string', default: '10' },
    messages: { type: 'string', default: '5' },
    ws: { type: 'string' },
    tcp: { type: 'string' },
  },
});
const count = Number(values.bots);
const messages = Number(values.messages);
if (!(Number.isInteger(count) && count > 0 && Number.isInteger(messages) && messages > 0)) {
  console.error('--bots and --messages must be positive integers');
  process.exit(2);
}

let chat;
let wsUrl = values.ws;
let tcpUrl = values.tcp;
if (!wsUrl && !tcpUrl) {
  chat = await startChatServer({ port: 0, tcpPort: 0, quiet: true });
  wsUrl = chat.wsUrl;
  tcpUrl = chat.tcpUrl;
  console.log(`chat room for the bots: ${chat.url} (TCP ${tcpUrl})`);
}
const summary = await runBots({ count, messages, wsUrl, tcpUrl });
console.log(formatSummary(summary));
await chat?.close();
const ok = summary.errors.length === 0 && summary.receivedMin === summary.expectedPerBot;
process.exit(ok ? 0 : 1);
