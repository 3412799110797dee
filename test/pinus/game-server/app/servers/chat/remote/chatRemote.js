// rpc `app.rpc.chat.chatRemote.*`, called by the connector.
class ChatRemote {
  constructor(app) {
    this.app = app;
  }

  async add(uid, sid, rid) {
    const channel = this.app.get('channelService').getChannel(rid, true);
    await channel.apushMessage('onAdd', { user: uid });
    channel.add(uid, sid);
    return channel.getMembers();
  }

  async leave(uid, sid, rid) {
    const channel = this.app.get('channelService').getChannel(rid, false);
    if (channel) {
      channel.leave(uid, sid);
      await channel.apushMessage('onLeave', { user: uid });
    }
  }
}

exports.default = (app) => new ChatRemote(app);
