/**
 * Splits a syslog TCP stream into messages (RFC 6587). Each frame is either
 * octet-counted (`LEN SP MSG`) or non-transparent (MSG ended by LF, CRLF or
 * NUL); senders may mix them, so the choice is made per frame: a frame that
 * opens with a digit run and a space is octet-counted.
 *
 * Memory stays bounded by the maximum frame size whatever the sender does,
 * and a frame arriving a byte at a time is still copied only a fixed number
 * of times (no re-concatenation on every chunk).
 */

export interface FrameDecoderOptions {
  /** Longest frame, in bytes. Default 64 KiB. */
  maxFrameBytes?: number;
}

const LF = 0x0a;
const CR = 0x0d;
const NUL = 0x00;
const SPACE = 0x20;

/** Between frames: reading the octet count, if there is one. */
type StartState = { mode: 'start'; digits: string };
type CountedState = { mode: 'counted'; header: string; remaining: number };
type State = StartState | CountedState | { mode: 'line' };

export class SyslogFrameDecoder {
  private readonly maxFrameBytes: number;
  private readonly maxDigits: number;
  private state: State = { mode: 'start', digits: '' };
  /** Bytes of the frame being read (for a line, after any digits already seen). */
  private parts: Buffer[] = [];
  private size = 0;

  constructor(options: FrameDecoderOptions = {}) {
    this.maxFrameBytes = options.maxFrameBytes ?? 64 * 1024;
    this.maxDigits = String(this.maxFrameBytes).length;
  }

  /** The frames completed by `chunk`, decoded as UTF-8. */
  push(chunk: Buffer): string[] {
    const out: string[] = [];
    let pos = 0;
    while (pos < chunk.length) {
      const state = this.state;
      if (state.mode === 'start') pos = this.readStart(state, chunk, pos);
      else if (state.mode === 'counted') pos = this.readCounted(state, chunk, pos, out);
      else pos = this.readLine(chunk, pos, out);
    }
    // Keep a copy of an unfinished frame's tail rather than a view that pins
    // the whole chunk in memory.
    const last = this.parts.at(-1);
    if (last && last.buffer === chunk.buffer) this.parts[this.parts.length - 1] = Buffer.from(last);
    return out;
  }

  /**
   * At the end of the stream: what is left of an unfinished frame. A last
   * line without its LF is a whole message; a cut octet-counted frame comes
   * back with its count in front, so it parses as malformed, not as a message
   * that merely looks shorter.
   */
  flush(): string[] {
    const prefix = this.state.mode === 'start' ? this.state.digits : this.state.mode === 'counted' ? this.state.header : '';
    const rest = this.take();
    this.state = { mode: 'start', digits: '' };
    const text = prefix + rest.toString('utf8');
    return text === '' ? [] : [text];
  }

  private readStart(state: StartState, chunk: Buffer, pos: number): number {
    const byte = chunk[pos]!;
    if (state.digits === '' && (byte === LF || byte === CR || byte === NUL)) return pos + 1; // stray terminator between frames
    if (byte >= 0x30 && byte <= 0x39 && state.digits.length < this.maxDigits) {
      state.digits += String.fromCharCode(byte);
      return pos + 1;
    }
    const count = Number(state.digits);
    if (byte === SPACE && /^[1-9]/.test(state.digits) && count <= this.maxFrameBytes) {
      this.state = { mode: 'counted', header: `${state.digits} `, remaining: count };
      return pos + 1;
    }
    // Not an octet count (or an absurd one): read to the end of the line,
    // keeping the digits, so the frame is kept and the stream resynchronises.
    this.state = { mode: 'line' };
    this.append(Buffer.from(state.digits, 'latin1'));
    return pos;
  }

  private readCounted(state: CountedState, chunk: Buffer, pos: number, out: string[]): number {
    const end = Math.min(chunk.length, pos + state.remaining);
    this.append(chunk.subarray(pos, end));
    state.remaining -= end - pos;
    if (state.remaining === 0) {
      out.push(this.take().toString('utf8'));
      this.state = { mode: 'start', digits: '' };
    }
    return end;
  }

  private readLine(chunk: Buffer, pos: number, out: string[]): number {
    const end = Math.min(chunk.length, pos + this.maxFrameBytes - this.size);
    const window = chunk.subarray(pos, end);
    const lf = window.indexOf(LF);
    const nul = window.indexOf(NUL);
    const stop = nul !== -1 && (lf === -1 || nul < lf) ? nul : lf;
    if (stop !== -1) {
      this.append(window.subarray(0, stop));
      const line = this.take();
      out.push(line.subarray(0, line.at(-1) === CR ? -1 : undefined).toString('utf8'));
      this.state = { mode: 'start', digits: '' };
      return pos + stop + 1;
    }
    this.append(window);
    if (this.size >= this.maxFrameBytes) {
      // Too long: emit what fits, ending on a whole character, and carry on
      // with the same line (its rest is a frame of its own, not a new header).
      const full = this.take();
      const cut = completeUtf8Length(full);
      out.push(full.subarray(0, cut).toString('utf8'));
      this.append(full.subarray(cut));
    }
    return end;
  }

  private append(bytes: Buffer): void {
    if (bytes.length === 0) return;
    this.parts.push(bytes);
    this.size += bytes.length;
  }

  private take(): Buffer {
    const all = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.size);
    this.parts = [];
    this.size = 0;
    return all;
  }
}

/** How much of `buf` is whole UTF-8 characters: a sequence cut at the end is left out. */
function completeUtf8Length(buf: Buffer): number {
  for (let i = buf.length - 1; i >= 0 && i >= buf.length - 4; i--) {
    const b = buf[i]!;
    if ((b & 0xc0) === 0x80) continue; // continuation byte
    const len = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    // Cutting everything would make no progress; a frame that small is garbage anyway.
    return i + len > buf.length && i > 0 ? i : buf.length;
  }
  return buf.length;
}
