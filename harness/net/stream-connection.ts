// One TCP connection of a virtual node, framed into SIP messages by the codec's StreamFramer
// (RFC 3261 §18.3). A framing error cannot be resynchronised, so the connection is closed
// after reporting it, as a strict stack would.

import type { Socket } from 'node:net';
import { StreamFramer } from '../sip/stream';
import type { ParseResult } from '../sip/types';
import type { NetEndpoint } from './trace';

export type StreamMessageHandler = (bytes: Uint8Array, parsed: ParseResult, connection: StreamConnection) => void;

export class StreamConnection {
  readonly local: NetEndpoint;
  readonly remote: NetEndpoint;
  private readonly framer = new StreamFramer();
  private open = true;

  constructor(
    readonly socket: Socket,
    /** Who opened it: we did (to send a request) or the peer did (to our listener). */
    readonly origin: 'outbound' | 'inbound',
    onMessage: StreamMessageHandler,
    onClose: (connection: StreamConnection) => void,
  ) {
    this.local = { host: socket.localAddress ?? '', port: socket.localPort ?? 0 };
    this.remote = { host: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 };
    socket.on('data', (chunk: Buffer) => {
      for (const result of this.framer.push(chunk)) {
        // The framer drops what it held after an error; the chunk is the closest evidence left.
        onMessage(result.ok ? result.message.raw : new Uint8Array(chunk), result, this);
        if (!result.ok) {
          this.destroy();
          return;
        }
      }
    });
    socket.on('close', () => {
      this.open = false;
      const leftover = this.framer.end();
      if (leftover) onMessage(new Uint8Array(0), leftover, this);
      onClose(this);
    });
    // Errors (reset by peer, refused) end in 'close'; without a listener they would be thrown.
    socket.on('error', () => undefined);
  }

  get isOpen(): boolean {
    return this.open && !this.socket.destroyed;
  }

  write(bytes: Uint8Array): boolean {
    if (!this.isOpen) return false;
    this.socket.write(bytes);
    return true;
  }

  destroy(): void {
    this.open = false;
    this.socket.destroy();
  }
}
