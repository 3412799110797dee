// A Cocos Creator 3.x component: attach it to a node, drag a Label (the log) and an EditBox (the input) onto it, and
// it joins the nanokit / nano chat room. Install with `npm install @nanokit/client` in the project folder; Creator 3.x
// resolves the package's `import` condition to dist/index.mjs. See docs/runtimes.md (Cocos Creator 3.x).

import { NanoClient, webSocketTransport } from '@nanokit/client';
import { _decorator, Component, EditBox, Game, game, Label } from 'cc';

const { ccclass, property } = _decorator;

interface ChatMessage {
  name: string;
  content: string;
}

@ccclass('NanoChat')
export class NanoChat extends Component {
  /** The server's WebSocket endpoint. Use wss:// for native and mini-game builds. */
  @property
  serverUrl = 'ws://127.0.0.1:3250/nano';

  /** Shown as the sender name. */
  @property
  nickname = 'cocos';

  @property(Label)
  log: Label | null = null;

  @property(EditBox)
  input: EditBox | null = null;

  private client: NanoClient | null = null;
  private readonly lines: string[] = [];

  start(): void {
    // The global WebSocket exists on web, native (JSB) and mini-game builds; Cocos' adapters supply it.
    const client = new NanoClient({ url: this.serverUrl, transport: webSocketTransport(WebSocket) });
    this.client = client;
    client.on('onMessage', (body) => {
      const msg = body as ChatMessage;
      this.print(`${msg.name}: ${msg.content}`);
    });
    client.on('onNewUser', (body) => this.print((body as { content: string }).content));
    client.on('disconnect', () => this.print('(connection lost, reconnecting…)'));
    client.on('reconnect', () => {
      this.join().catch((err: unknown) => this.print(`(join failed: ${String(err)})`));
    });
    // Mini-game and mobile builds freeze timers in the background: let the client know.
    game.on(Game.EVENT_HIDE, this.onHide, this);
    game.on(Game.EVENT_SHOW, this.onShow, this);
    client
      .connect()
      .then(() => this.join())
      .catch((err: unknown) => this.print(`could not connect: ${String(err)}`));
  }

  private onHide(): void {
    this.client?.pause();
  }

  private onShow(): void {
    this.client?.resume();
  }

  /** Wire this to the EditBox's "editing-return" event or a Send button. */
  send(): void {
    const content = this.input?.string.trim() ?? '';
    if (!content || !this.client) return;
    this.client.notify('room.message', { name: this.nickname, content });
    if (this.input) this.input.string = '';
  }

  onDestroy(): void {
    game.off(Game.EVENT_HIDE, this.onHide, this);
    game.off(Game.EVENT_SHOW, this.onShow, this);
    this.client?.close();
    this.client = null;
  }

  private async join(): Promise<void> {
    const reply = (await this.client?.request('room.join', {}, { timeout: 5000 })) as { code: number } | undefined;
    this.print(reply?.code === 0 ? '(joined the room)' : `(join failed: ${JSON.stringify(reply)})`);
  }

  private print(line: string): void {
    this.lines.push(line);
    if (this.lines.length > 20) this.lines.shift();
    if (this.log) this.log.string = this.lines.join('\n');
  }
}
