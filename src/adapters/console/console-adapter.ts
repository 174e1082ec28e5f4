import { userInfo } from 'node:os';
import { createInterface, type Interface } from 'node:readline';
import type { InboundMessage } from '../../chat/message.js';
import { renderAnsi } from '../../chat/render/ansi.js';
import { renderPlainLines } from '../../chat/render/plain.js';
import type { Clock } from '../../clock.js';
import type { AdapterStatus, ChatAdapter, OutboundMessage } from '../adapter.js';

export interface ConsoleAdapterOptions {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream & { isTTY?: boolean };
  clock: Clock;
  /** Called when the input ends (Ctrl-D, or the pipe closes). */
  onClose?: () => void;
}

/**
 * The local terminal as a chat: every line typed is a message from the local
 * user (identity `console`), and every message the bot sends to any channel
 * it is asked to serve is printed, prefixed with the channel.
 */
export class ConsoleAdapter implements ChatAdapter {
  readonly platform = 'console' as const;
  private rl: Interface | undefined;
  private readonly user = safeUserName();

  constructor(private readonly opts: ConsoleAdapterOptions) {}

  async start(onMessage: (msg: InboundMessage) => void): Promise<void> {
    const tty = this.opts.output.isTTY === true;
    this.rl = createInterface({ input: this.opts.input, output: tty ? this.opts.output : undefined, terminal: tty });
    this.rl.on('line', (text) => {
      if (text.trim() === '') return this.prompt();
      onMessage({
        platform: 'console',
        channel: 'console',
        user: { id: 'console', name: this.user, identity: 'console' },
        text,
        direct: true,
        receivedAt: this.opts.clock.now(),
      });
    });
    this.rl.on('close', () => this.opts.onClose?.());
    this.rl.setPrompt('> ');
    this.prompt();
  }

  async stop(): Promise<void> {
    this.rl?.close();
  }

  isReady(): boolean {
    return true;
  }

  status(): AdapterStatus {
    return { connected: true, queued: 0 };
  }

  async send(msg: OutboundMessage): Promise<void> {
    const out = this.opts.output;
    const tty = out.isTTY === true;
    const prefix = `[${msg.channel}${msg.recipient ? ` → ${msg.recipient}` : ''}] `;
    const body = tty ? renderAnsi(msg.body).split('\n') : renderPlainLines(msg.body);
    const text = body.map((l, i) => (i === 0 ? prefix : ' '.repeat(prefix.length)) + l).join('\n') + '\n';
    if (tty) out.write('\r\x1b[K');
    await new Promise<void>((resolve, reject) => out.write(text, (err) => (err ? reject(err) : resolve())));
    this.prompt();
  }

  private prompt(): void {
    if (this.opts.output.isTTY) this.rl?.prompt(true);
  }
}

function safeUserName(): string {
  try {
    return userInfo().username;
  } catch {
    return 'local';
  }
}
