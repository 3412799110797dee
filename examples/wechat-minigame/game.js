// @ts-check
// WeChat mini-game entry (game.js): joins the nanokit / nano chat room and draws the chat on the screen canvas.
// Copy packages/client/dist/nanokit.global.min.js to libs/nanokit.global.js in the mini-game project. See
// docs/runtimes.md (WeChat mini-game) for the domain whitelist and wss:// rules.
// The global build returns its API to a host `require` (and also sets GameGlobal.NanoKit for plugin-style loading).
const { NanoClient, miniGameTransport } = require('./libs/nanokit.global.js');

/** A whitelisted wss:// domain (devtools with "don't verify domains" also accepts ws://127.0.0.1:3250/nano). */
const SERVER_URL = 'wss://chat.example.com/nano';
const NAME = `wx-${Math.floor(Math.random() * 9000 + 1000)}`;

const canvas = wx.createCanvas();
const ctx = canvas.getContext('2d');
/** @type {string[]} */
const lines = [];

function draw() {
  ctx.fillStyle = '#10151b';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.fillStyle = '#e8edf2';
  ctx.font = '16px sans-serif';
  lines.slice(-24).forEach((line, i) => {
    ctx.fillText(line, 12, 28 + i * 22);
  });
}

/** @param {string} line */
function print(line) {
  lines.push(line);
  draw();
}

const client = new NanoClient({ url: SERVER_URL, transport: miniGameTransport(wx) });

client.on('onMessage', (/** @type {any} */ body) => print(`${body.name}: ${body.content}`));
client.on('onNewUser', (/** @type {any} */ body) => print(body.content));
client.on('disconnect', () => print('(connection lost, reconnecting…)'));
client.on('reconnect', () => join());

function join() {
  return client
    .request('room.join', {}, { timeout: 5000 })
    .then(() => {
      print(`(joined as ${NAME})`);
      client.notify('room.message', { name: NAME, content: 'hello from a WeChat mini-game 🎮' });
    })
    .catch((/** @type {Error} */ err) => print(`(join failed: ${err.message})`));
}

// WeChat suspends timers in the background and cuts the socket after ~5 s: stop judging heartbeats while hidden,
// and check the connection (or retry at once) as soon as the game is back.
wx.onHide(() => client.pause());
wx.onShow(() => {
  if (client.state === 'closed') client.connect().then(join, () => undefined);
  else client.resume();
});

print('connecting…');
client.connect().then(join, (/** @type {Error} */ err) => print(`(could not connect: ${err.message})`));
