// Cuts a TCP byte stream into SIP messages by Content-Length (RFC 3261 §18.3).

import { declaredContentLength, DEFAULT_MAX_BYTES, findHeaderEnd, parseFramed } from './parse';
import type { ParseResult } from './types';

const CR = 0x0d;
const LF = 0x0a;

/**
 * Feed it chunks as they arrive; it returns every message completed so far. A structural
 * error cannot be resynchronised on a stream, so after one the framer returns that error
 * and discards what it holds: the caller should close the connection.
 */
export class StreamFramer {
  private buffer: Uint8Array = new Uint8Array(0);
  /** Bytes of CRLF keep-alives (RFC 5626 §3.5.1) skipped between messages. */
  keepAliveBytes = 0;

  constructor(private readonly maxBytes = DEFAULT_MAX_BYTES) {}

  push(chunk: Uint8Array): ParseResult[] {
    const joined = new Uint8Array(this.buffer.length + chunk.length);
    joined.set(this.buffer, 0);
    joined.set(chunk, this.buffer.length);
    this.buffer = joined;
    const out: ParseResult[] = [];
    for (;;) {
      let start = 0;
      while (start < this.buffer.length && (this.buffer[start] === CR || this.buffer[start] === LF)) start++;
      this.keepAliveBytes += start;
      this.buffer = this.buffer.subarray(start);
      if (this.buffer.length === 0) break;
      const headerEnd = findHeaderEnd(this.buffer);
      if (headerEnd < 0) {
        if (this.buffer.length > this.maxBytes) out.push(this.abort('too-large', `no header end within ${this.maxBytes} bytes`));
        break;
      }
      const headOnly = parseFramed(this.buffer, headerEnd, new Uint8Array(0), this.buffer.subarray(0, headerEnd + 4));
      if (!headOnly.ok) {
        this.buffer = new Uint8Array(0);
        out.push(headOnly);
        break;
      }
      const declared = declaredContentLength(headOnly.message.headers);
      if (declared === undefined || typeof declared !== 'number') {
        this.buffer = new Uint8Array(0);
        out.push(
          declared === undefined
            ? { ok: false, error: { code: 'missing-content-length', message: 'a message on a stream transport needs Content-Length (RFC 3261 §18.3)', at: { line: 1, column: 1 } } }
            : { ok: false, error: declared },
        );
        break;
      }
      const total = headerEnd + 4 + declared;
      if (total > this.maxBytes) {
        out.push(this.abort('too-large', `message of ${total} bytes, over the limit of ${this.maxBytes}`));
        break;
      }
      if (this.buffer.length < total) break;
      const raw = this.buffer.slice(0, total);
      this.buffer = this.buffer.subarray(total);
      out.push(parseFramed(raw, headerEnd, raw.subarray(headerEnd + 4), raw));
    }
    return out;
  }

  /** Bytes held that do not yet make a complete message. */
  get pending(): number {
    return this.buffer.length;
  }

  /** Call when the stream closes: a partial message left over is an error. */
  end(): ParseResult | undefined {
    if (this.buffer.length === 0) return undefined;
    const headerEnd = findHeaderEnd(this.buffer);
    const error: ParseResult =
      headerEnd < 0
        ? { ok: false, error: { code: 'no-header-end', message: `the stream ended inside a header section (${this.buffer.length} bytes)`, at: { line: 1, column: 1 } } }
        : { ok: false, error: { code: 'content-length-mismatch', message: 'the stream ended before the body announced by Content-Length', at: { line: 1, column: 1 } } };
    this.buffer = new Uint8Array(0);
    return error;
  }

  private abort(code: 'too-large', message: string): ParseResult {
    this.buffer = new Uint8Array(0);
    return { ok: false, error: { code, message, at: { line: 1, column: 1 } } };
  }
}
