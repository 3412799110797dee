// Frontend routes `connector.entryHandler.*`. Every method of the class is a client route (and a dictionary entry).
class EntryHandler {
  constructor(app) {
    this.app = app;
  }

  /** Login: binds the uid, joins the room's channel on the chat server by rpc, returns the members. */
  async enter(msg, session) {
    const uid = String(msg.uid || 'u' + session.id);
    const rid = String(msg.rid || 'room1');
    const sid = this.app.get('serverId');
    await session.abind(uid);
    session.set('rid', rid);
    await session.apush('rid');
    session.on('closed', () => this.app.rpc.chat.chatRemote.leave.route(session, true)(uid, sid, rid));
    const users = await this.app.rpc.chat.chatRemote.add.route(session)(uid, sid, rid);
    return { code: 200, uid, server: sid, users };
  }

  async echo(msg) {
    return { code: 200, echo: msg };
  }

  /** A handler that throws: pinus answers a normal Response {"code":500}. */
  async fail() {
    throw new Error('handler failure');
  }

  /** Kicks the caller shortly after answering, with `msg.reason` (a Kick packet {"reason":…}, then close). */
  async kickMe(msg, session) {
    const reason = typeof msg.reason === 'string' ? msg.reason : 'bye from pinus';
    setTimeout(() => this.app.get('sessionService').kickBySessionId(session.id, reason), 50);
    return { code: 200 };
  }

  /** Frontend notify target: answered by a push `onNotified` to the caller's own session. */
  async noteFront(msg, session) {
    this.app
      .get('channelService')
      .apushMessageByUids('onNotified', { got: msg, server: this.app.get('serverId') }, [
        { uid: session.uid, sid: this.app.get('serverId') },
      ]);
  }
}

exports.default = (app) => new EntryHandler(app);
