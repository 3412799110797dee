// Backend routes `chat.chatHandler.*`, reached through the connector by rpc. Keep helpers outside the class: every
// method is a client route.
const room = (app, session) => app.get('channelService').getChannel(session.get('rid'), true);

class ChatHandler {
  constructor(app) {
    this.app = app;
  }

  /** Readiness probe of the cluster (connector → chat rpc works). */
  async ping() {
    return { code: 200, server: this.app.get('serverId') };
  }

  async echo(msg, session) {
    return { code: 200, echo: msg, server: this.app.get('serverId'), uid: session.uid };
  }

  /** Pushes `onChat` to the caller's room through a channel (compressed route when the dictionary has it). */
  async send(msg, session) {
    await room(this.app, session).apushMessage('onChat', { from: session.uid, text: msg.text });
    return { code: 200, server: this.app.get('serverId') };
  }

  /** Protobuf both ways (config/clientProtos.json, config/serverProtos.json), and a protobuf push `onChatProto`. */
  async sendProto(msg, session) {
    await room(this.app, session).apushMessage('onChatProto', {
      from: session.uid,
      text: msg.text,
      nums: msg.nums || [],
      n: msg.n,
      path: msg.path || [],
    });
    return { code: 200, echo: msg.text, n: msg.n, nums: msg.nums || [] };
  }

  /** Used as a notify (no response): answered by a push `onNotified` to the caller alone. */
  async note(msg, session) {
    await this.app
      .get('channelService')
      .apushMessageByUids('onNotified', { got: msg, server: this.app.get('serverId') }, [
        { uid: session.uid, sid: session.frontendId },
      ]);
  }
}

exports.default = (app) => new ChatHandler(app);
