// Loader for the SIP torture fixtures in fixtures/torture (format: fixtures/torture/README.md).
//
// A fixture is a small text file: `key: value` meta lines, a `---` line, then the message as
// readable text with a few markers for the bytes a text file cannot show (bare LF/CR, a missing
// final line end, raw bytes, repetition, very long lines). Everything here is pure except
// `loadTortureFixtures`, which reads a directory.

import * as fs from 'fs';
import * as nodePath from 'path';
import type { ParseErrorCode } from './types';
import { ROLES, type Role } from './check';

// Keyed by ParseErrorCode so the compiler insists on every code, and on nothing else.
const PARSE_ERROR_CODE_SET: Record<ParseErrorCode, true> = {
  empty: true,
  'bad-start-line': true,
  'bad-version': true,
  'bad-status-code': true,
  'bad-header-line': true,
  'bad-header-name': true,
  'illegal-character': true,
  'bare-line-feed': true,
  'no-header-end': true,
  'bad-content-length': true,
  'content-length-mismatch': true,
  'missing-content-length': true,
  'too-large': true,
};

/** Every ParseErrorCode of types.ts, at run time. */
export const PARSE_ERROR_CODES: readonly ParseErrorCode[] = Object.keys(
  PARSE_ERROR_CODE_SET,
) as ParseErrorCode[];

export function isParseErrorCode(s: string): s is ParseErrorCode {
  return Object.prototype.hasOwnProperty.call(PARSE_ERROR_CODE_SET, s);
}

/** What a message is for, when the message alone cannot tell the checker (check.ts). */
export const TORTURE_ROLES = ROLES;
export type TortureRole = Role;

export type Transport = 'udp' | 'tcp';

export interface TortureFixture {
  /** The path the fixture was read from (as given). */
  path: string;
  /** The file name without `.sip`. */
  name: string;
  description: string;
  verdict: 'valid' | 'invalid';
  parse: 'ok' | ParseErrorCode;
  /** Requirement IDs of the expected ERROR-level findings (empty for `none`). */
  findings: string[];
  /** Requirement IDs of the expected warnings, when the fixture states them. */
  warnings?: string[];
  role?: TortureRole;
  transport: Transport;
  /** The message exactly as it goes on the wire. */
  bytes: Uint8Array;
}

export class FixtureError extends Error {
  override name = 'FixtureError';
  constructor(
    readonly path: string,
    readonly line: number,
    readonly reason: string,
  ) {
    super(`${path}:${line}: ${reason}`);
  }
}

const REQUIREMENT_ID = /^SOS-[A-Z]+-\d+$/;
const META_LINE = /^([A-Za-z][A-Za-z0-9-]*):[ \t]*(.*)$/;
const META_KEYS = ['description', 'verdict', 'parse', 'findings', 'warnings', 'role', 'transport'];
const REQUIRED_KEYS = ['description', 'verdict', 'parse', 'findings'];
const MARKER_NAMES = ['LF', 'CR', 'NOEOL', 'hex', 'repeat', 'allOneLine'];
// Anything that starts like a tag with one of the marker names, in any case. Such text must be
// a well-formed marker; other `<...>` text (`<sip:alice@10.0.0.1>`) is message text.
const MARKER_LIKE = new RegExp(`</?(?:${MARKER_NAMES.join('|')})(?=[\\s>/])`, 'i');
const LINE_END_MARKERS: Record<string, Uint8Array> = {
  '<LF>': Uint8Array.of(0x0a),
  '<CR>': Uint8Array.of(0x0d),
  '<NOEOL>': new Uint8Array(0),
};
const CRLF = Uint8Array.of(0x0d, 0x0a);
const MAX_REPEAT = 1_000_000;

const utf8 = new TextEncoder();

/** Parses one fixture file. Throws FixtureError (with the 1-based file line) on any problem. */
export function parseTortureFixture(text: string, path: string): TortureFixture {
  const fail = (line: number, reason: string): never => {
    throw new FixtureError(path, line, reason);
  };

  const lines = text.split('\n');
  // The file's final newline only terminates its last line.
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();

  lines.forEach((l, i) => {
    if (i === 0 && l.startsWith('\uFEFF')) fail(1, 'byte order mark at the start of the file');
    const m = /[\u0000-\u0008\u000b-\u001f\u007f]/.exec(l);
    if (m) {
      const code = m[0].charCodeAt(0).toString(16).padStart(2, '0');
      fail(
        i + 1,
        code === '0d'
          ? 'carriage return in the fixture file (the file uses LF; write <CR> or <hex>0d</hex>)'
          : `raw control character 0x${code} in the fixture file (write <hex>${code}</hex>)`,
      );
    }
  });

  const sep = lines.indexOf('---');
  if (sep < 0) fail(Math.max(lines.length, 1), "missing '---' line between meta and message");

  // ---- meta ----
  const meta = new Map<string, { value: string; line: number }>();
  for (let i = 0; i < sep; i++) {
    const raw = lines[i]!;
    const lineNo = i + 1;
    if (raw.trim() === '') continue;
    const m = META_LINE.exec(raw);
    if (!m) fail(lineNo, `expected 'key: value', found '${raw}'`);
    const key = m![1]!;
    if (!META_KEYS.includes(key)) fail(lineNo, `unknown meta key '${key}'`);
    if (meta.has(key)) fail(lineNo, `duplicate meta key '${key}'`);
    meta.set(key, { value: m![2]!.trim(), line: lineNo });
  }
  for (const key of REQUIRED_KEYS) {
    if (!meta.has(key)) fail(sep + 1, `missing meta key '${key}'`);
  }
  const get = (key: string) => meta.get(key)!;

  const description = get('description');
  if (description.value === '') fail(description.line, 'empty description');

  const verdictMeta = get('verdict');
  if (verdictMeta.value !== 'valid' && verdictMeta.value !== 'invalid') {
    fail(verdictMeta.line, `verdict must be 'valid' or 'invalid', found '${verdictMeta.value}'`);
  }
  const verdict = verdictMeta.value as 'valid' | 'invalid';

  const parseMeta = get('parse');
  if (parseMeta.value !== 'ok' && !isParseErrorCode(parseMeta.value)) {
    fail(
      parseMeta.line,
      `parse must be 'ok' or one of ${PARSE_ERROR_CODES.join(', ')}; found '${parseMeta.value}'`,
    );
  }
  const parse = parseMeta.value as 'ok' | ParseErrorCode;

  const idList = (key: string): string[] => {
    const { value, line } = get(key);
    if (value === 'none') return [];
    const ids = value.split(',').map((s) => s.trim());
    const seen = new Set<string>();
    for (const id of ids) {
      if (!REQUIREMENT_ID.test(id)) {
        fail(line, `${key}: '${id}' is not a requirement ID like SOS-WIRE-6 (or write 'none')`);
      }
      if (seen.has(id)) fail(line, `${key}: '${id}' listed twice`);
      seen.add(id);
    }
    return ids;
  };
  const findings = idList('findings');
  const warnings = meta.has('warnings') ? idList('warnings') : undefined;

  let role: TortureRole | undefined;
  if (meta.has('role')) {
    const { value, line } = get('role');
    if (!(TORTURE_ROLES as readonly string[]).includes(value)) {
      fail(line, `unknown role '${value}' (one of ${TORTURE_ROLES.join(', ')})`);
    }
    role = value as TortureRole;
  }

  let transport: Transport = 'udp';
  if (meta.has('transport')) {
    const { value, line } = get('transport');
    if (value !== 'udp' && value !== 'tcp') {
      fail(line, `transport must be 'udp' or 'tcp', found '${value}'`);
    }
    transport = value as Transport;
  }

  if (parse !== 'ok' && findings.length > 0) {
    fail(get('findings').line, `findings must be 'none' when parse is '${parse}'`);
  }
  if (parse !== 'ok' && warnings !== undefined && warnings.length > 0) {
    fail(get('warnings').line, `warnings must be 'none' when parse is '${parse}'`);
  }
  const shouldBeValid = parse === 'ok' && findings.length === 0;
  if ((verdict === 'valid') !== shouldBeValid) {
    fail(
      verdictMeta.line,
      shouldBeValid
        ? "verdict is 'invalid' but parse is 'ok' and findings are 'none'"
        : `verdict is 'valid' but ${parse !== 'ok' ? `parse is '${parse}'` : 'findings are not none'}`,
    );
  }

  // ---- message ----
  const bytes = encodeMessage(lines.slice(sep + 1), sep + 2, fail);

  const base = nodePath.basename(path);
  const name = base.endsWith('.sip') ? base.slice(0, -'.sip'.length) : base;

  const fixture: TortureFixture = {
    path,
    name,
    description: description.value,
    verdict,
    parse,
    findings,
    transport,
    bytes,
  };
  if (warnings !== undefined) fixture.warnings = warnings;
  if (role !== undefined) fixture.role = role;
  return fixture;
}

type Fail = (line: number, reason: string) => never;

/** Turns the message section (file lines, the first being file line `firstLine`) into bytes. */
function encodeMessage(lines: string[], firstLine: number, fail: Fail): Uint8Array {
  const out: Uint8Array[] = [];
  let i = 0;
  while (i < lines.length) {
    const lineNo = firstLine + i;
    const line = lines[i]!;
    if (line === '</allOneLine>') fail(lineNo, '</allOneLine> without <allOneLine>');
    if (line === '<allOneLine>') {
      const end = lines.indexOf('</allOneLine>', i + 1);
      if (end < 0) fail(lineNo, 'unterminated <allOneLine>');
      for (let j = i + 1; j < end; j++) {
        const inner = lines[j]!;
        if (inner === '<allOneLine>') fail(firstLine + j, 'nested <allOneLine>');
        const { body, ending } = splitLineEnd(inner);
        if (ending !== undefined) {
          fail(firstLine + j, `line-end marker ${ending} inside <allOneLine>`);
        }
        out.push(...expandInline(body, firstLine + j, fail, true));
      }
      out.push(CRLF);
      i = end + 1;
      continue;
    }
    const { body, ending } = splitLineEnd(line);
    if (ending === '<NOEOL>' && i !== lines.length - 1) {
      fail(lineNo, '<NOEOL> is allowed on the last line only');
    }
    out.push(...expandInline(body, lineNo, fail, true));
    out.push(ending === undefined ? CRLF : LINE_END_MARKERS[ending]!);
    i++;
  }
  return concat(out);
}

/** Separates a trailing `<LF>`, `<CR>` or `<NOEOL>` from the line. */
function splitLineEnd(line: string): { body: string; ending: string | undefined } {
  for (const marker of Object.keys(LINE_END_MARKERS)) {
    if (line.endsWith(marker)) return { body: line.slice(0, -marker.length), ending: marker };
  }
  return { body: line, ending: undefined };
}

/** Expands `<hex>…</hex>` and `<repeat count="N">…</repeat>`; the rest is UTF-8 text. */
function expandInline(text: string, lineNo: number, fail: Fail, allowRepeat: boolean): Uint8Array[] {
  const out: Uint8Array[] = [];
  let rest = text;
  while (rest.length > 0) {
    const m = MARKER_LIKE.exec(rest);
    if (!m) {
      out.push(utf8.encode(rest));
      break;
    }
    if (m.index > 0) out.push(utf8.encode(rest.slice(0, m.index)));
    rest = rest.slice(m.index);

    if (rest.startsWith('<hex>')) {
      const close = rest.indexOf('</hex>');
      if (close < 0) fail(lineNo, 'unterminated <hex>');
      const digits = rest.slice('<hex>'.length, close);
      if (digits.length === 0 || digits.length % 2 !== 0 || !/^[0-9a-fA-F]+$/.test(digits)) {
        fail(lineNo, `bad hex '${digits}' (an even number of hex digits, at least two)`);
      }
      out.push(Uint8Array.from(Buffer.from(digits, 'hex')));
      rest = rest.slice(close + '</hex>'.length);
      continue;
    }

    const rep = /^<repeat count="(\d+)">/.exec(rest);
    if (rep) {
      if (!allowRepeat) fail(lineNo, 'nested <repeat>');
      const count = Number(rep[1]);
      if (count < 1 || count > MAX_REPEAT) {
        fail(lineNo, `repeat count ${rep[1]} out of range 1..${MAX_REPEAT}`);
      }
      const close = rest.indexOf('</repeat>');
      if (close < 0) fail(lineNo, 'unterminated <repeat>');
      const unit = concat(expandInline(rest.slice(rep[0].length, close), lineNo, fail, false));
      if (unit.length === 0) fail(lineNo, 'empty <repeat>');
      for (let k = 0; k < count; k++) out.push(unit);
      rest = rest.slice(close + '</repeat>'.length);
      continue;
    }

    const tag = /^<[^>]*>?/.exec(rest)![0];
    const where = Object.keys(LINE_END_MARKERS).includes(tag) ? ' (allowed only at the end of a line)' : '';
    fail(lineNo, `unknown or misplaced marker '${tag}'${where}`);
  }
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Loads every `*.sip` file under `dir` (recursively), sorted by path. */
export function loadTortureFixtures(dir: string): TortureFixture[] {
  const files: string[] = [];
  const walk = (d: string): void => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const p = nodePath.join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.isFile() && entry.name.endsWith('.sip')) files.push(p);
    }
  };
  walk(dir);
  files.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const decoder = new TextDecoder('utf-8', { fatal: true });
  return files.map((p) => {
    let text: string;
    try {
      text = decoder.decode(fs.readFileSync(p));
    } catch {
      throw new FixtureError(p, 1, 'the file is not valid UTF-8');
    }
    return parseTortureFixture(text, p);
  });
}
