// Crafting messages byte by byte: well-formed by default, and broken on purpose when a test
// asks (wrong Content-Length, bare LF, raw lines, folds, duplicated or missing headers).

import { randomBytes } from 'node:crypto';
import { headerKey } from './names';

type Line = { kind: 'header'; name: string; value: string } | { kind: 'raw'; text: string };

export class MessageBuilder {
  private start: string;
  private lines: Line[] = [];
  private bodyBytes: Uint8Array = new Uint8Array(0);
  private length: 'auto' | 'omit' | number = 'auto';
  private eol = '\r\n';

  private constructor(start: string) {
    this.start = start;
  }

  static request(method: string, uri: string, version = 'SIP/2.0'): MessageBuilder {
    return new MessageBuilder(`${method} ${uri} ${version}`);
  }

  static response(status: number, reason: string, version = 'SIP/2.0'): MessageBuilder {
    return new MessageBuilder(`${version} ${status} ${reason}`);
  }

  /** Replaces the start line with any text, valid or not. */
  startLine(raw: string): this {
    this.start = raw;
    return this;
  }

  header(name: string, value: string | number): this {
    this.lines.push({ kind: 'header', name, value: String(value) });
    return this;
  }

  /** A header written over several lines: `Name: first` then one continuation line per part. */
  folded(name: string, parts: string[], indent = ' '): this {
    return this.raw([`${name}: ${parts[0] ?? ''}`, ...parts.slice(1).map((p) => indent + p)].join(this.eol));
  }

  /** Any line as given, e.g. a header without colon. */
  raw(text: string): this {
    this.lines.push({ kind: 'raw', text });
    return this;
  }

  /** Sets the value of every field with that name (any spelling), or appends one. */
  set(name: string, value: string | number): this {
    const key = headerKey(name);
    const i = this.lines.findIndex((l) => l.kind === 'header' && headerKey(l.name) === key);
    if (i < 0) return this.header(name, value);
    this.lines[i] = { kind: 'header', name, value: String(value) };
    this.lines = this.lines.filter((l, j) => j <= i || l.kind !== 'header' || headerKey(l.name) !== key);
    return this;
  }

  remove(name: string): this {
    const key = headerKey(name);
    this.lines = this.lines.filter((l) => l.kind !== 'header' || headerKey(l.name) !== key);
    return this;
  }

  body(content: string | Uint8Array, contentType?: string): this {
    this.bodyBytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    if (contentType) this.set('Content-Type', contentType);
    return this;
  }

  /** `auto` (default) writes the body's length last; `omit` writes none; a number writes that number. */
  contentLength(mode: 'auto' | 'omit' | number): this {
    this.length = mode;
    return this;
  }

  /** Line terminator for the whole message; `\n` makes a deliberately broken one. */
  lineEnding(eol: string): this {
    this.eol = eol;
    return this;
  }

  text(): string {
    return Buffer.from(this.build()).toString('utf8');
  }

  build(): Uint8Array {
    const out = [this.start];
    for (const l of this.lines) out.push(l.kind === 'raw' ? l.text : `${l.name}: ${l.value}`);
    const hasLength = this.lines.some((l) => l.kind === 'header' && headerKey(l.name) === 'content-length');
    if (this.length !== 'omit' && !hasLength) out.push(`Content-Length: ${this.length === 'auto' ? this.bodyBytes.length : this.length}`);
    const head = Buffer.from(out.join(this.eol) + this.eol + this.eol, 'utf8');
    return Buffer.concat([head, this.bodyBytes]);
  }
}

/** A fresh RFC 3261 branch (magic cookie + 16 random hex digits). */
export function newBranch(): string {
  return `z9hG4bK${randomBytes(8).toString('hex')}`;
}

export function newCallId(host = 'harness.invalid'): string {
  return `${randomBytes(10).toString('hex')}@${host}`;
}

export function newTag(): string {
  return randomBytes(6).toString('hex');
}
