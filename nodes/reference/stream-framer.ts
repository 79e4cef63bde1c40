// Framing SIP on a stream transport (RFC 3261 §18.3) before the `sip` package sees it, so a
// broken message over TCP gets the same 400 as over UDP (SOS-ERR-1) and size stays bounded
// (SOS-ERR-6).
export type Framed = { kind: 'message'; text: string } | { kind: 'bad'; text: string; why: string };

const CONTENT_LENGTH = /^(?:content-length|l)[ \t]*:[ \t]*(\d+)[ \t]*$/im;

export class StreamFramer {
  private buf = '';

  constructor(private readonly maxBytes: number) {}

  /** Feeds a chunk (latin1 text) and returns every message it completes, in order. */
  push(chunk: string): Framed[] {
    this.buf += chunk;
    const out: Framed[] = [];
    for (;;) {
      this.buf = this.buf.replace(/^(?:\r\n)+/, ''); // keep-alives (RFC 5626)
      if (this.buf === '') return out;
      const end = this.buf.indexOf('\r\n\r\n');
      const lfEnd = this.buf.indexOf('\n\n');
      if (end < 0 || (lfEnd >= 0 && lfEnd < end && this.buf[lfEnd - 1] !== '\r')) {
        if (lfEnd >= 0 && (end < 0 || lfEnd < end)) {
          out.push({ kind: 'bad', text: this.take(lfEnd + 2), why: 'lines must end in CRLF' });
          continue;
        }
        if (this.buf.length > this.maxBytes) out.push({ kind: 'bad', text: this.take(this.buf.length), why: 'headers too large' });
        return out;
      }
      const head = this.buf.slice(0, end);
      const m = CONTENT_LENGTH.exec(head);
      if (!m) {
        out.push({ kind: 'bad', text: this.take(end + 4), why: 'Content-Length is required on a stream transport' });
        continue;
      }
      const total = end + 4 + Number(m[1]);
      if (total > this.maxBytes) {
        out.push({ kind: 'bad', text: this.take(Math.min(total, this.buf.length)), why: 'message too large' });
        continue;
      }
      if (this.buf.length < total) return out;
      out.push({ kind: 'message', text: this.take(total) });
    }
  }

  private take(n: number): string {
    const s = this.buf.slice(0, n);
    this.buf = this.buf.slice(n);
    return s;
  }
}
