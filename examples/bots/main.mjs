// `node examples/bots/main.mjs [--bots 10] [--messages 5] [--ws ws://host:port/nano] [--tcp tcp://host:port]`
// `node examples/bots/main.mjs --scenario tadpole [--bots 50] [--rate 10] [--seconds 10] [--ws ws://host:23456/]`
// Without --ws/--tcp it starts its own server (the chat room with a WebSocket and a TCP endpoint, or the pond) on
// free ports. Needs the built packages (npm run build). Prints a summary; exits 1 if a bot missed anything.
import { parseArgs } from 'node:util';
import { startChatServer } from '../chat/chat-server.mjs';
import { startTadpoleServer } from '../tadpole/tadpole-server.mjs';
import { formatSummary, runBots } from './bots.mjs';
import { formatTadpoleSummary, runTadpoleBots } from './tadpole.mjs';

const { values } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'chat' },
    bots: { type: 'string', default: '10' },
    messages: { type: 'string', default: '5' },
    rate: { type: 'string', default: '10' },
    seconds: { type: 'string', default: '10' },
    ws: { type: 'string' },
    tcp: { type: 'string' },
  },
});
const count = Number(values.bots);
if (!(Number.isInteger(count) && count > 0)) {
  console.error('--bots must be a positive integer');
  process.exit(2);
}

if (values.scenario === 'tadpole') {
  const rate = Number(values.rate);
  const seconds = Number(values.seconds);
  if (!(rate > 0 && rate <= 20 && seconds > 0)) {
    console.error('--rate must be in (0, 20] and --seconds positive');
    process.exit(2);
  }
  const pond = values.ws ? undefined : await startTadpoleServer({ port: 0, quiet: true });
  if (pond) console.log(`pond for the bots: ${pond.url} (open it to watch them)`);
  const summary = await runTadpoleBots({ count, rate, seconds, wsUrl: values.ws ?? pond.wsUrl });
  console.log(formatTadpoleSummary(summary));
  await pond?.close();
  process.exit(summary.errors.length === 0 && summary.inWorld === count ? 0 : 1);
} else if (values.scenario !== 'chat') {
  console.error(`--scenario must be chat or tadpole, not ${values.scenario}`);
  process.exit(2);
}

const messages = Number(values.messages);
if (!(Number.isInteger(messages) && messages > 0)) {
  console.error('--messages must be a positive integer');
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
