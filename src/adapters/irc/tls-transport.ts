import { createRequire } from 'node:module';
import { rootCertificates, connect as tlsConnect } from 'node:tls';

const require = createRequire(import.meta.url);
// irc-framework's TCP/TLS transport: it has no option for an extra CA, which
// a network with its own CA needs while keeping verification on.
const NetTransport = require('irc-framework/src/transports/net.js') as new (options: Record<string, unknown>) => object;

/** A transport class that trusts `ca` (PEM) in addition to the system's CAs. */
export function transportWithCa(ca: string): unknown {
  return class CaTransport extends (NetTransport as new (options: Record<string, unknown>) => NetTransportInternals) {
    override connect(): void {
      const o = this.options as { host: string; port: number; rejectUnauthorized?: boolean; encoding?: string };
      this.disposeSocket();
      this.requested_disconnect = false;
      this.incoming_buffer = Buffer.from('');
      this.setEncoding(o.encoding ?? 'utf8');
      this.state = 1; // SOCK_CONNECTING in net.js
      const isIp = /^[\d.:]+$/.test(o.host);
      const socket = tlsConnect({
        host: o.host,
        port: o.port,
        ...(isIp ? {} : { servername: o.host }),
        rejectUnauthorized: o.rejectUnauthorized !== false,
        ca: [...rootCertificates, ca],
      });
      this.socket = socket;
      this._onSocketCreate(this.options, socket);
    }
  };
}

interface NetTransportInternals {
  options: Record<string, unknown>;
  socket: unknown;
  state: number;
  requested_disconnect: boolean;
  incoming_buffer: Buffer;
  connect(): void;
  disposeSocket(): void;
  setEncoding(e: string): boolean;
  _onSocketCreate(options: Record<string, unknown>, socket: unknown): void;
}
