// The pond page: input, drawing and the counters. The state is in pond.js and the connection in link.js; this file
// only reads them. The browser test reads `window.tadpole.snapshot()`.
import { PondLink } from './link.js';
import { Pond, swim } from './pond.js';

const { NanoClient, createLosslessJsonSerializer } = window.NanoKit;
const $ = (id) => document.getElementById(id);
const canvas = $('pond');
const ctx = canvas.getContext('2d');
const stateEl = $('state');

const params = new URLSearchParams(location.search);
const pond = new Pond();
// Start somewhere near the middle, so that two new players see each other at once.
pond.me.x = Math.round(Math.random() * 200 - 100);
pond.me.y = Math.round(Math.random() * 200 - 100);

const link = new PondLink({
  // nano's tadpole serves its WebSocket on `/` of the page's own host and port.
  url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/`,
  NanoClient,
  // nano's ids are snowflakes above 2^53: plain JSON.parse would round two players into one.
  serializer: createLosslessJsonSerializer(),
  pond,
  name: params.get('name') || `guest-${Math.floor(Math.random() * 9000 + 1000)}`,
  onState(state, detail) {
    stateEl.dataset.state = state;
    stateEl.textContent = detail && state !== 'connected' ? `${state} (${detail})` : state;
  },
});

// Input: the pointer is a target in pond coordinates (the camera follows us, so a pointer off-centre keeps us
// swimming that way); arrow keys steer while held and win over the pointer.
let pointer;
const keys = new Set();
const ARROWS = { ArrowUp: [0, -1], ArrowDown: [0, 1], ArrowLeft: [-1, 0], ArrowRight: [1, 0] };
canvas.addEventListener('pointermove', (e) => {
  pointer = { x: e.clientX, y: e.clientY };
});
canvas.addEventListener('pointerleave', () => {
  pointer = undefined;
});
addEventListener('keydown', (e) => {
  if (e.target instanceof HTMLInputElement || !(e.key in ARROWS)) return;
  keys.add(e.key);
  e.preventDefault();
});
addEventListener('keyup', (e) => keys.delete(e.key));
addEventListener('blur', () => keys.clear());

function target() {
  const me = pond.me;
  if (keys.size > 0) {
    let dx = 0;
    let dy = 0;
    for (const key of keys) {
      dx += ARROWS[key][0];
      dy += ARROWS[key][1];
    }
    return dx === 0 && dy === 0 ? undefined : { x: me.x + dx * 200, y: me.y + dy * 200 };
  }
  if (!pointer) return undefined;
  return { x: me.x + pointer.x - canvas.clientWidth / 2, y: me.y + pointer.y - canvas.clientHeight / 2 };
}

$('chat').addEventListener('submit', (e) => {
  e.preventDefault();
  const input = $('say');
  const text = input.value.trim();
  if (text && link.say(text)) input.value = '';
});

// Drawing. Everything is relative to the camera, which sits on our tadpole.
const phases = new WeakMap();
function drawTadpole(t, sx, sy, alpha, mine, dt) {
  const phase = (phases.get(t) ?? Math.random() * 6) + dt * (3 + t.momentum * 14);
  phases.set(t, phase);
  ctx.globalAlpha = alpha;
  ctx.strokeStyle = mine ? '#ffe27a' : '#bfe9ff';
  ctx.fillStyle = ctx.strokeStyle;
  ctx.lineWidth = 2;
  ctx.beginPath();
  // The tail: a wave travelling backwards from the head.
  const back = t.angle + Math.PI;
  for (let i = 0; i <= 8; i++) {
    const along = 6 + i * 3;
    const side = Math.sin(phase - i * 0.7) * i * 0.6;
    const px = sx + Math.cos(back) * along - Math.sin(back) * side;
    const py = sy + Math.sin(back) * along + Math.cos(back) * side;
    if (i === 0) ctx.moveTo(px, py);
    else ctx.lineTo(px, py);
  }
  ctx.stroke();
  ctx.beginPath();
  ctx.arc(sx, sy, 6, 0, Math.PI * 2);
  ctx.fill();
  ctx.font = '12px system-ui, sans-serif';
  ctx.textAlign = 'center';
  ctx.fillText(t.name, sx, sy + 22);
  if (t.bubble) {
    const text = t.bubble.text;
    const w = ctx.measureText(text).width + 14;
    ctx.fillStyle = 'rgb(255 255 255 / 90%)';
    ctx.beginPath();
    ctx.roundRect(sx - w / 2, sy - 38, w, 22, 10);
    ctx.fill();
    ctx.fillStyle = '#0b3a53';
    ctx.fillText(text, sx, sy - 23);
  }
  ctx.globalAlpha = 1;
}

function drawWater(camX, camY, w, h) {
  ctx.fillStyle = '#0b3a53';
  ctx.fillRect(0, 0, w, h);
  // A fixed grid of specks: they slide by as we swim, which is what makes our own motion visible.
  ctx.fillStyle = 'rgb(255 255 255 / 12%)';
  const step = 48;
  const ox = -((camX % step) + step) % step;
  const oy = -((camY % step) + step) % step;
  for (let x = ox; x < w; x += step) for (let y = oy; y < h; y += step) ctx.fillRect(x, y, 2, 2);
}

// Counters are written to the DOM four times a second, not every frame.
const fps = { frames: 0, since: performance.now(), value: 0 };
let hudAt = 0;
function hud(now) {
  fps.frames += 1;
  if (now - fps.since >= 1000) {
    fps.value = Math.round((fps.frames * 1000) / (now - fps.since));
    fps.frames = 0;
    fps.since = now;
  }
  if (now - hudAt < 250) return;
  hudAt = now;
  $('players').textContent = String(pond.players());
  $('ups').textContent = String(pond.updatesPerSecond());
  $('fps').textContent = String(fps.value);
}

let last = performance.now();
function frame(now) {
  const dt = Math.min(0.1, (now - last) / 1000);
  last = now;
  if (pond.me.key !== undefined) swim(pond.me, target(), dt);
  link.tick(now);
  pond.step(now);

  const w = canvas.clientWidth;
  const h = canvas.clientHeight;
  if (canvas.width !== w || canvas.height !== h) {
    canvas.width = w;
    canvas.height = h;
  }
  const camX = pond.me.x - w / 2;
  const camY = pond.me.y - h / 2;
  drawWater(camX, camY, w, h);
  for (const other of pond.others.values()) {
    drawTadpole(other, other.x - camX, other.y - camY, other.alpha, false, dt);
  }
  if (pond.me.key !== undefined) drawTadpole(pond.me, w / 2, h / 2, 1, true, dt);
  hud(now);
  requestAnimationFrame(frame);
}
requestAnimationFrame(frame);

window.tadpole = {
  pond,
  link,
  /** The page's state as plain data: connection, ids as decimal text, positions as drawn. */
  snapshot: () => ({ state: link.state, entered: link.entered, sent: link.sent, fps: fps.value, ...pond.snapshot() }),
};
link.start().catch(() => link.retry()); // later drops are the client's to reconnect
