// The shapes of the harness's own SIP codec. Plain data: a parsed message keeps every byte
// it came from, so serialize(parse(x)) reproduces x exactly, and every header knows the
// line and column it was read from, so findings can point at the wire.

/** 1-based line and column of a place in a message's text. */
export interface Position {
  line: number;
  column: number;
}

export interface RequestLine {
  kind: 'request';
  method: string;
  uri: string;
  version: string;
  raw: string;
}

export interface StatusLine {
  kind: 'response';
  version: string;
  status: number;
  reason: string;
  raw: string;
}

export type StartLine = RequestLine | StatusLine;

export interface HeaderField {
  /** The name exactly as written (`DHT-Link`, `dht-link`, `v`). */
  name: string;
  /** The canonical long name, lower-cased (`v` -> `via`, `DHT-NodeID` -> `dht-nodeid`). */
  key: string;
  /** The value with folding replaced by one space and surrounding whitespace trimmed. */
  value: string;
  /** The whole field as written, name to end of value, folds included, without the final CRLF. */
  raw: string;
  /** Where the field's name starts. */
  at: Position;
  /** Where the (trimmed) value starts. */
  valueAt: Position;
  /** Maps an offset into `value` back to a line and column of the message. */
  positionOf(offset: number): Position;
}

export interface SipMessage {
  startLine: StartLine;
  headers: HeaderField[];
  /** The body bytes (empty when there is none). */
  body: Uint8Array;
  /** The exact bytes the message was parsed from (one datagram, or one framed stream message). */
  raw: Uint8Array;
  /** How the start line and headers were decoded: UTF-8 when valid, else byte for byte. */
  headerEncoding: 'utf8' | 'latin1';
}

export type ParseErrorCode =
  | 'empty'
  | 'bad-start-line'
  | 'bad-version'
  | 'bad-status-code'
  | 'bad-header-line'
  | 'bad-header-name'
  | 'illegal-character'
  | 'bare-line-feed'
  | 'no-header-end'
  | 'bad-content-length'
  | 'content-length-mismatch'
  | 'missing-content-length'
  | 'too-large';

export interface ParseError {
  code: ParseErrorCode;
  message: string;
  at: Position;
}

export type ParseResult = { ok: true; message: SipMessage } | { ok: false; error: ParseError };

/** Result of parsing one header value into a typed value. `offset` is into HeaderField.value. */
export interface ValueError {
  offset: number;
  expected: string;
  found: string;
}

export type ValueResult<T> = { ok: true; value: T } | { ok: false; error: ValueError };

export type Severity = 'error' | 'warning';

/** One verdict of the conformance checker: data, never an exception. */
export interface Finding {
  /** Requirement ID from the catalogue (`SOS-WIRE-6`), or `RFC3261` for base-SIP rules. */
  requirement: string;
  severity: Severity;
  at: Position;
  expected: string;
  found: string;
  /** One sentence a person can act on. */
  message: string;
}
