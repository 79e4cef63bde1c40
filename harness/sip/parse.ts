// The structural layer of the codec: start line, header fields, framing by Content-Length.
// Strict (CRLF only, no control characters, exact Content-Length on datagrams) and
// byte-faithful: every field keeps its spelling and folds, so the message can be written
// back byte for byte. It never throws on input; a broken message is a ParseError value.

import { isAscii } from 'node:buffer';
import { headerKey, isToken } from './names';
import type {
  HeaderField,
  ParseError,
  ParseErrorCode,
  ParseResult,
  Position,
  SipMessage,
  StartLine,
} from './types';

/** SOS-ERR-6 bounds messages at 64 KiB; a larger limit can be passed per call. */
export const DEFAULT_MAX_BYTES = 64 * 1024;

export interface ParseOptions {
  /** `udp` (default): the bytes are one datagram. `stream`: the message came from the TCP framer. */
  transport?: 'udp' | 'stream';
  maxBytes?: number;
}

const CR = 0x0d;
const LF = 0x0a;
const HTAB = 0x09;

const utf8Fatal = new TextDecoder('utf-8', { fatal: true });
/** In a line cut at CRLF: a control character, or a CR or LF that was not part of a CRLF. */
const SUSPECT_RE = /[\x00-\x08\x0a-\x1f\x7f]/;

function fail(code: ParseErrorCode, message: string, at: Position): ParseResult {
  return { ok: false, error: { code, message, at } };
}

/** Index of the CRLF CRLF that ends the header section, or -1. */
export function findHeaderEnd(bytes: Uint8Array, from = 0): number {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).indexOf('\r\n\r\n', from, 'latin1');
}

/**
 * Checks the bytes of the start line and header section (up to `end`) for line endings
 * other than CRLF and for control characters. Returns the first problem found.
 */
function scanHeaderBytes(bytes: Uint8Array, end: number): ParseError | undefined {
  let line = 1;
  let column = 1;
  for (let i = 0; i < end; i++) {
    const b = bytes[i]!;
    // The common case first: printable ASCII.
    if (b >= 0x20 && b < 0x7f) {
      column++;
      continue;
    }
    if (b === CR) {
      if (bytes[i + 1] !== LF) {
        return { code: 'bare-line-feed', message: 'a CR not followed by LF (lines end in CRLF, RFC 3261 §7)', at: { line, column } };
      }
      i++;
      line++;
      column = 1;
      continue;
    }
    if (b === LF) {
      return { code: 'bare-line-feed', message: 'a LF not preceded by CR (lines end in CRLF, RFC 3261 §7)', at: { line, column } };
    }
    if ((b < 0x20 && b !== HTAB) || b === 0x7f) {
      const hex = b.toString(16).padStart(2, '0');
      return { code: 'illegal-character', message: `control character 0x${hex} in the header section`, at: { line, column } };
    }
    // Columns count characters: skip UTF-8 continuation bytes.
    if ((b & 0xc0) !== 0x80) column++;
  }
  return undefined;
}

function decodeHeaderSection(bytes: Uint8Array): { text: string; encoding: 'utf8' | 'latin1' } {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // ASCII reads the same either way; latin1 decoding is the cheap one.
  if (isAscii(view)) return { text: view.toString('latin1'), encoding: 'utf8' };
  try {
    return { text: utf8Fatal.decode(bytes), encoding: 'utf8' };
  } catch {
    return { text: Buffer.from(bytes).toString('latin1'), encoding: 'latin1' };
  }
}

const METHOD_RE = /^[A-Za-z0-9\-.!%*_+`'~]+$/;
const VERSION_RE = /^SIP\/(\d+)\.(\d+)$/i;

function parseStartLine(raw: string): StartLine | ParseError {
  const at = { line: 1, column: 1 };
  if (/^SIP\//i.test(raw)) {
    const m = /^(\S+) (\S*) (.*)$/s.exec(raw);
    if (!m) return { code: 'bad-start-line', message: 'a status line is "SIP/2.0 SP Status-Code SP Reason-Phrase"', at };
    const [, version, code, reason] = m as unknown as [string, string, string, string];
    if (!VERSION_RE.test(version)) return { code: 'bad-start-line', message: `"${version}" is not a SIP-Version`, at };
    if (version.toUpperCase() !== 'SIP/2.0') return { code: 'bad-version', message: `version ${version}, expected SIP/2.0`, at };
    if (!/^[1-6]\d\d$/.test(code)) {
      return { code: 'bad-status-code', message: `status code "${code}" is not 3 digits from 100 to 699`, at: { line: 1, column: version.length + 2 } };
    }
    return { kind: 'response', version, status: Number(code), reason, raw };
  }
  const parts = raw.split(' ');
  if (parts.length !== 3 || parts.some((p) => p.length === 0)) {
    return { code: 'bad-start-line', message: 'a request line is "Method SP Request-URI SP SIP-Version" with single spaces', at };
  }
  const [method, uri, version] = parts as [string, string, string];
  if (!METHOD_RE.test(method)) return { code: 'bad-start-line', message: `method "${method}" is not a token`, at };
  if (/[\t]/.test(uri)) return { code: 'bad-start-line', message: 'the Request-URI holds whitespace', at: { line: 1, column: method.length + 2 } };
  const col = method.length + uri.length + 3;
  if (!VERSION_RE.test(version)) return { code: 'bad-start-line', message: `"${version}" is not a SIP-Version`, at: { line: 1, column: col } };
  if (version.toUpperCase() !== 'SIP/2.0') return { code: 'bad-version', message: `version ${version}, expected SIP/2.0`, at: { line: 1, column: col } };
  return { kind: 'request', method, uri, version, raw };
}

interface Segment {
  /** Offset in the untrimmed unfolded value. */
  start: number;
  line: number;
  column: number;
}

/** Builds one header field from its physical lines (the first holds the name). */
function makeField(lines: string[], firstLine: number): HeaderField | ParseError {
  const first = lines[0]!;
  const colon = first.indexOf(':');
  if (colon < 0) {
    return { code: 'bad-header-line', message: `header line "${first.slice(0, 40)}" has no colon`, at: { line: firstLine, column: 1 } };
  }
  let nameEnd = colon;
  while (nameEnd > 0 && (first.charCodeAt(nameEnd - 1) === 32 || first.charCodeAt(nameEnd - 1) === 9)) nameEnd--;
  const name = first.slice(0, nameEnd);
  if (!isToken(name)) {
    return { code: 'bad-header-name', message: `header name "${name}" is not a token`, at: { line: firstLine, column: 1 } };
  }
  if (lines.length === 1) return singleLineField(first, name, colon, firstLine);
  // Unfold: LWS = [*WSP CRLF] 1*WSP is one space. Segments remember where each stretch of
  // the unfolded value sits in the message, for positionOf.
  let unfolded = first.slice(colon + 1);
  const segments: Segment[] = [{ start: 0, line: firstLine, column: colon + 2 }];
  for (let k = 1; k < lines.length; k++) {
    const cont = lines[k]!;
    const ws = /^[ \t]*/.exec(cont)![0].length;
    unfolded = unfolded.replace(/[ \t]+$/, '');
    segments.push({ start: unfolded.length, line: firstLine + k, column: 1 });
    unfolded += ' ';
    segments.push({ start: unfolded.length, line: firstLine + k, column: ws + 1 });
    unfolded += cont.slice(ws);
  }
  const lead = unfolded.length - unfolded.replace(/^[ \t]+/, '').length;
  const value = unfolded.slice(lead).replace(/[ \t]+$/, '');
  const lastLine = firstLine + lines.length - 1;
  const lastColumn = lines[lines.length - 1]!.length + 1;
  const at = (u: number): Position => {
    let seg = segments[0]!;
    for (const s of segments) if (s.start <= u) seg = s;
    return { line: seg.line, column: seg.column + (u - seg.start) };
  };
  const valueAt = value.length > 0 ? at(lead) : { line: lastLine, column: lastColumn };
  return {
    name,
    key: headerKey(name),
    value,
    raw: lines.length === 1 ? first : lines.join('\r\n'),
    at: { line: firstLine, column: 1 },
    valueAt,
    positionOf(offset: number): Position {
      if (offset <= 0) return valueAt;
      if (offset >= value.length) return { line: lastLine, column: lastColumn };
      return at(lead + offset);
    },
  };
}

/** The common case of makeField: no folding, so positions are plain column offsets. */
function singleLineField(line: string, name: string, colon: number, lineNo: number): HeaderField {
  let start = colon + 1;
  let end = line.length;
  while (start < end && (line.charCodeAt(start) === 32 || line.charCodeAt(start) === 9)) start++;
  while (end > start && (line.charCodeAt(end - 1) === 32 || line.charCodeAt(end - 1) === 9)) end--;
  const value = line.slice(start, end);
  const valueAt = { line: lineNo, column: value.length > 0 ? start + 1 : line.length + 1 };
  return {
    name,
    key: headerKey(name),
    value,
    raw: line,
    at: { line: lineNo, column: 1 },
    valueAt,
    positionOf(offset: number): Position {
      if (offset <= 0) return valueAt;
      if (offset >= value.length) return { line: lineNo, column: line.length + 1 };
      return { line: lineNo, column: start + 1 + offset };
    },
  };
}

function parseHeaderLines(lines: string[]): HeaderField[] | ParseError {
  const fields: HeaderField[] = [];
  let group: string[] = [];
  let groupLine = 0;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const lineNo = i + 1;
    if (line.startsWith(' ') || line.startsWith('\t')) {
      if (group.length === 0) {
        return { code: 'bad-header-line', message: 'a continuation line before any header field', at: { line: lineNo, column: 1 } };
      }
      group.push(line);
      continue;
    }
    if (group.length > 0) {
      const f = makeField(group, groupLine);
      if ('code' in f) return f;
      fields.push(f);
    }
    group = [line];
    groupLine = lineNo;
  }
  if (group.length > 0) {
    const f = makeField(group, groupLine);
    if ('code' in f) return f;
    fields.push(f);
  }
  return fields;
}

/** The Content-Length the fields declare: undefined when absent, a ParseError when broken. */
export function declaredContentLength(fields: HeaderField[]): number | undefined | ParseError {
  let declared: number | undefined;
  for (const f of fields) {
    if (f.key !== 'content-length') continue;
    if (!/^\d{1,10}$/.test(f.value)) {
      return { code: 'bad-content-length', message: `Content-Length "${f.value}" is not a number`, at: f.valueAt };
    }
    const n = Number(f.value);
    if (declared !== undefined && declared !== n) {
      return { code: 'bad-content-length', message: `two Content-Length values, ${declared} and ${n}`, at: f.at };
    }
    declared = n;
  }
  return declared;
}

/** Parses the header section `bytes[0, headerEnd)` and attaches `body`. */
export function parseFramed(bytes: Uint8Array, headerEnd: number, body: Uint8Array, raw: Uint8Array): ParseResult {
  const { text, encoding } = decodeHeaderSection(bytes.subarray(0, headerEnd));
  // One native regex pass for the common, clean case; the byte scanner then locates a problem.
  const lines = text.split('\r\n');
  if (lines.some((l) => SUSPECT_RE.test(l))) {
    const problem = scanHeaderBytes(bytes, headerEnd);
    if (problem) return { ok: false, error: problem };
  }
  const startLine = parseStartLine(lines[0]!);
  if ('code' in startLine) return { ok: false, error: startLine };
  const headers = parseHeaderLines(lines);
  if ('code' in headers) return { ok: false, error: headers };
  const message: SipMessage = { startLine, headers, body, raw, headerEncoding: encoding };
  return { ok: true, message };
}

/** Parses one complete message: a UDP datagram (default) or a message the stream framer cut. */
export function parseMessage(bytes: Uint8Array, options: ParseOptions = {}): ParseResult {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  if (bytes.every((b) => b === CR || b === LF)) {
    return fail('empty', bytes.length === 0 ? 'no bytes' : 'only line ends (a keep-alive), no message', { line: 1, column: 1 });
  }
  if (bytes.length > maxBytes) return fail('too-large', `${bytes.length} bytes, over the limit of ${maxBytes}`, { line: 1, column: 1 });
  const headerEnd = findHeaderEnd(bytes);
  if (headerEnd < 0) {
    const problem = scanHeaderBytes(bytes, bytes.length);
    if (problem) return { ok: false, error: problem };
    return fail('no-header-end', 'no empty line (CRLF CRLF) ends the header section', positionAtEnd(bytes));
  }
  const body = bytes.subarray(headerEnd + 4);
  const result = parseFramed(bytes, headerEnd, body, bytes);
  if (!result.ok) return result;
  const declared = declaredContentLength(result.message.headers);
  if (declared !== undefined && typeof declared !== 'number') return { ok: false, error: declared };
  if (declared !== undefined && declared !== body.length) {
    const cl = result.message.headers.find((f) => f.key === 'content-length')!;
    return fail('content-length-mismatch', `Content-Length says ${declared} bytes, the body has ${body.length}`, cl.valueAt);
  }
  if (declared === undefined && options.transport === 'stream') {
    return fail('missing-content-length', 'a message on a stream transport needs Content-Length (RFC 3261 §18.3)', { line: 1, column: 1 });
  }
  return result;
}

function positionAtEnd(bytes: Uint8Array): Position {
  let line = 1;
  let column = 1;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === LF) {
      line++;
      column = 1;
    } else if (bytes[i] !== CR && (bytes[i]! & 0xc0) !== 0x80) column++;
  }
  return { line, column };
}

/** Writes a message back. For a parsed message this is exactly the bytes it came from. */
export function serializeMessage(message: SipMessage): Uint8Array {
  const head = [message.startLine.raw, ...message.headers.map((h) => h.raw), '', ''].join('\r\n');
  const headBytes = Buffer.from(head, message.headerEncoding === 'utf8' ? 'utf8' : 'latin1');
  const out = new Uint8Array(headBytes.length + message.body.length);
  out.set(headBytes, 0);
  out.set(message.body, headBytes.length);
  return out;
}
