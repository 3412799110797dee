// Egret entry class (src/Main.ts): joins the nanokit / nano chat room through egret.WebSocket and shows the chat in a
// TextField. Needs the "socket" module and the nanokit lib in egretProperties.json (see README.md); NanoKit is the
// global set by libs/nanokit/nanokit.js (a copy of packages/client/dist/nanokit.global.js).
// biome-ignore lint/correctness/noUnusedVariables: Egret instantiates the entry class by name (index.html data-entry-class).
class Main extends egret.DisplayObjectContainer {
  /** ws:// on the web target; wss:// with a whitelisted domain on wxgame and the other mini-game targets. */
  static serverUrl = 'ws://127.0.0.1:3250/nano';

  private readonly log = new egret.TextField();
  private readonly lines: string[] = [];
  private client: NanoKit.NanoClient | null = null;

  public constructor() {
    super();
    this.addEventListener(egret.Event.ADDED_TO_STAGE, this.onAddToStage, this);
  }

  private onAddToStage(): void {
    this.log.size = 18;
    this.log.textColor = 0xe8edf2;
    this.log.width = this.stage.stageWidth - 24;
    this.log.x = 12;
    this.log.y = 12;
    this.addChild(this.log);

    const client = new NanoKit.NanoClient({ url: Main.serverUrl, transport: NanoKit.egretTransport(egret) });
    this.client = client;
    client.on('onMessage', (body) => {
      const msg = body as { name: string; content: string };
      this.print(`${msg.name}: ${msg.content}`);
    });
    client.on('onNewUser', (body) => this.print((body as { content: string }).content));
    client.on('disconnect', () => this.print('(connection lost, reconnecting…)'));
    client.on('reconnect', () => this.join());
    this.print('connecting…');
    client.connect().then(
      () => this.join(),
      (err: Error) => this.print(`(could not connect: ${err.message})`),
    );
  }

  private join(): void {
    const client = this.client;
    if (!client) return;
    client.request('room.join', {}, { timeout: 5000 }).then(
      () => {
        this.print('(joined the room)');
        client.notify('room.message', { name: 'egret', content: 'hello from Egret 🥚' });
      },
      (err: Error) => this.print(`(join failed: ${err.message})`),
    );
  }

  private print(line: string): void {
    this.lines.push(line);
    if (this.lines.length > 20) this.lines.shift();
    this.log.text = this.lines.join('\n');
  }
}
