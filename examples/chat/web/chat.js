// The chat page. Talks to the server with the global build of @nanokit/client (window.NanoKit) exactly like nano's
// own demo page does with starx: request `room.join`, notify `room.message`, listen to three pushes.
(() => {
  const NanoClient = window.NanoKit.NanoClient;
  const $ = (id) => document.getElementById(id);
  const stateEl = $('state');
  const list = $('messages');
  const nameInput = $('name');
  const messageInput = $('message');
  const sendButton = $('send');

  const params = new URLSearchParams(location.search);
  nameInput.value = params.get('name') || `guest-${Math.floor(Math.random() * 9000 + 1000)}`;
  const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/nano`;
  $('endpoint').textContent = wsUrl;

  /** Shows the connection state in the badge; `data-state` is what the styles (and the browser tests) read. */
  function setState(state, text) {
    stateEl.dataset.state = state;
    stateEl.textContent = text;
    sendButton.disabled = state !== 'connected';
  }

  /** Appends one line; textContent only, so names and messages can never inject markup. */
  function addLine(kind, name, content) {
    const li = document.createElement('li');
    li.dataset.kind = kind;
    if (name !== undefined) {
      const who = document.createElement('span');
      who.className = 'name';
      who.textContent = name;
      li.append(who);
      if (name === nameInput.value) li.className = 'mine';
    }
    const text = document.createElement('span');
    text.className = 'content';
    text.textContent = content;
    li.append(text);
    list.append(li);
    list.scrollTop = list.scrollHeight;
  }

  const client = new NanoClient({ url: wsUrl, reconnect: true });

  client.on('onMembers', (body) => {
    const members = body?.members || []; // nano sends null for an empty room
    addLine('system', undefined, members.length ? `Already here: ${members.join(', ')}` : 'You are the first one here');
  });
  client.on('onNewUser', (body) => addLine('system', undefined, body.content));
  client.on('onMessage', (body) => addLine('message', body.name, body.content));

  let joined = 0;
  async function join() {
    setState('connecting', 'joining…');
    const reply = await client.request('room.join', {});
    if (reply.code !== 0) throw new Error(`room.join failed: ${JSON.stringify(reply)}`);
    joined += 1;
    setState('connected', 'connected');
    addLine('system', undefined, joined === 1 ? 'Joined the room' : 'Reconnected and joined again');
  }
  const joinOrReport = () => join().catch((err) => addLine('system', undefined, `Could not join: ${err.message}`));

  client.on('reconnecting', (info) => {
    const attempt = info && typeof info.attempt === 'number' ? ` (attempt ${info.attempt})` : '';
    setState('reconnecting', `reconnecting${attempt}…`);
  });
  client.on('disconnect', () => {
    setState('reconnecting', 'connection lost, reconnecting…');
    addLine('system', undefined, 'Connection lost');
  });
  client.on('reconnect', joinOrReport);
  client.on('kick', () => addLine('system', undefined, 'Kicked by the server'));
  client.on('error', (err) => console.warn('nanokit:', err));

  $('composer').addEventListener('submit', (event) => {
    event.preventDefault();
    const content = messageInput.value.trim();
    if (!content || client.state !== 'connected') return;
    client.notify('room.message', { name: nameInput.value, content });
    messageInput.value = '';
  });

  setState('connecting', 'connecting…');
  client
    .connect()
    .then(joinOrReport)
    .catch((err) => {
      setState('disconnected', 'disconnected');
      addLine('system', undefined, `Could not connect: ${err.message}`);
    });
})();
