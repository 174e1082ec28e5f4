import type { App } from '@slack/bolt';

type WebClient = App['client'];

const TTL_MS = 10 * 60_000;

/**
 * Channel names ↔ IDs and user IDs → display names, cached: refreshed on
 * `channel_rename` and `user_change`, and after ten minutes.
 */
export class SlackDirectory {
  private channels = new Map<string, string>();
  private channelsAt = 0;
  private readonly users = new Map<string, { name: string; at: number }>();
  private byName: Map<string, string> | null = null;
  private byNameAt = 0;

  constructor(private readonly client: WebClient, private readonly now: () => number) {}

  /** `#ops`, `ops` or an ID (C…, G…, D…) → the channel ID. */
  async channelId(target: string): Promise<string> {
    // A user ID posts to the bot's direct conversation with that user (chat.postMessage accepts it as the channel).
    if (/^[CGDUW][A-Z0-9]{2,}$/.test(target)) return target;
    const name = target.replace(/^#/, '').toLowerCase();
    if (this.now() - this.channelsAt > TTL_MS || !this.channels.has(name)) await this.loadChannels();
    const id = this.channels.get(name);
    if (!id) throw new UnknownChannelError(`no Slack channel #${name} visible to the bot`);
    return id;
  }

  cachedChannelName(id: string): string | undefined {
    return [...this.channels].find(([, i]) => i === id)?.[0];
  }

  /** The channel's name, when the bot can see it (not for direct messages). */
  async channelName(id: string): Promise<string | undefined> {
    const find = () => [...this.channels].find(([, i]) => i === id)?.[0];
    if (find() === undefined && this.now() - this.channelsAt > 30_000) {
      // Without the list the message still goes through, under its ID only.
      await this.loadChannels().catch(() => undefined);
    }
    return find();
  }

  channelRenamed(id: string, name: string): void {
    for (const [n, i] of this.channels) if (i === id) this.channels.delete(n);
    this.channels.set(name.toLowerCase(), id);
  }

  async userName(id: string): Promise<string> {
    const cached = this.users.get(id);
    if (cached && this.now() - cached.at < TTL_MS) return cached.name;
    try {
      const r = await this.client.users.info({ user: id });
      const u = r.user;
      const name = u?.profile?.display_name || u?.profile?.real_name || u?.real_name || u?.name || id;
      this.users.set(id, { name, at: this.now() });
      return name;
    } catch {
      return cached?.name ?? id;
    }
  }

  forgetUser(id: string): void {
    this.users.delete(id);
    this.byName = null;
  }

  /** A user ID by display name, real name or handle (case-insensitive), from users.list. */
  async userIdByName(name: string): Promise<string | undefined> {
    if (!this.byName || this.now() - this.byNameAt > TTL_MS) {
      const map = new Map<string, string>();
      let cursor: string | undefined;
      do {
        const r = await this.client.users.list({ limit: 200, ...(cursor && { cursor }) });
        for (const u of r.members ?? []) {
          if (!u.id || u.deleted || u.is_bot) continue;
          for (const n of [u.profile?.display_name, u.profile?.real_name, u.name]) if (n && !map.has(n.toLowerCase())) map.set(n.toLowerCase(), u.id);
        }
        cursor = r.response_metadata?.next_cursor || undefined;
      } while (cursor);
      this.byName = map;
      this.byNameAt = this.now();
    }
    return this.byName.get(name.toLowerCase());
  }

  private async loadChannels(): Promise<void> {
    const next = new Map<string, string>();
    let cursor: string | undefined;
    do {
      const r = await this.client.conversations.list({ types: 'public_channel,private_channel', limit: 200, exclude_archived: true, ...(cursor && { cursor }) });
      for (const c of r.channels ?? []) if (c.id && c.name) next.set(c.name.toLowerCase(), c.id);
      cursor = r.response_metadata?.next_cursor || undefined;
    } while (cursor);
    this.channels = next;
    this.channelsAt = this.now();
  }
}

export class UnknownChannelError extends Error {
  override readonly name = 'UnknownChannelError';
}
