// A pinus 1.7.4 cluster for nanokit's live tests: master + frontend `connector` (hybridconnector: WS and raw TCP on
// one port) + backend `chat` reached by rpc. test/pinus/cluster.ts starts it with the app base in
// NANOKIT_PINUS_BASE: a temp dir holding the generated config/ (free ports, fixture options) and a link to app/.
require('reflect-metadata'); // before pinus, else "Reflect.hasMetadata is not a function" in the backend
const path = require('node:path');
const fs = require('node:fs');

// One malformed packet must not kill the connector (pinus' Message.decode throws outside any try on a truncated one).
process.on('uncaughtException', (err) => console.error('uncaughtException', err?.stack ?? err));

const { pinus } = require('pinus');

const base = process.env.NANOKIT_PINUS_BASE || __dirname;
const fixture = JSON.parse(fs.readFileSync(path.join(base, 'config', 'nanokit.json'), 'utf8'));
const app = pinus.createApp({ base });
app.set('name', 'nanokit-pinus-fixture');

app.configure('development', 'connector', () => {
  const config = {
    connector: pinus.connectors.hybridconnector,
    useDict: fixture.useDict,
    useProtobuf: fixture.useProtobuf,
    handshake: (msg, cb) => cb(null, { hello: 'from pinus', got: msg?.user ?? null }),
  };
  // No `heartbeat` key at all means no heartbeat: pinus then omits sys.heartbeat from the handshake.
  if (fixture.heartbeat) config.heartbeat = fixture.heartbeat;
  app.set('connectorConfig', config);
});

app.configure('development', () => {
  app.route('chat', (_session, _msg, app, cb) => cb(null, app.getServersByType('chat')[0].id));
});

app.start();
