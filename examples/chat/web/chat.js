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

  // Reconnect quickly in a demo: 0.5 s, 1 s, 2 s… up to 5 s between attempts, forever.
  const client = new NanoClient({ url: wsUrl, reconnect: { initialDelay: 500, maxDelay: 5000 } });

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

  client.on('reconnecting', ({ attempt, delay }) => {
    setState('reconnecting', `reconnecting (attempt ${attempt}, in ${(delay / 1000).toFixed(1)} s)…`);
  });
  client.on('disconnect', ({ code, reason, willReconnect }) => {
    addLine('system', undefined, `Connection lost (code ${code})`);
    if (reason === 'kick') return; // the kick handler decides what happens next
    setState(willReconnect ? 'reconnecting' : 'disconnected', willReconnect ? 'connection lost…' : 'disconnected');
  });
  // After a reconnect the server has a new session for us: join the room again (nano's demo page just reloads).
  client.on('reconnect', joinOrReport);
  // A kicked client does not reconnect by itself. server-lite kicks everybody with "server shutdown" when it stops
  // gracefully: then keep trying to come back, every 2 s.
  client.on('kick', ({ reason }) => {
    addLine('system', undefined, `Kicked by the server${reason ? `: ${reason}` : ''}`);
    if (reason === 'server shutdown') comeBack();
  });
  function comeBack() {
    setState('reconnecting', 'server stopped, retrying…');
    setTimeout(() => {
      client
        .connect()
        .then(() => {
          joined = 0;
          return join();
        })
        .catch(comeBack);
    }, 2000);
  }
  client.on('error', (err) => console.warn('nanokit:', err));

  $('composer').addEventListener('submit', (event) => {
    event.preventDefault();
    const content = messageInput.value.trim();
    if (!content || client.state !== 'open') return;
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
