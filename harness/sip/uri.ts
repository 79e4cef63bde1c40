// SIP URIs (RFC 3261 §19.1, §25.1) with every SOSIMPLE parameter kept in order, and the
// name-addr / addr-spec forms of To, From and Contact (§20.10). Values stay escaped as
// written, so a URI serializes back to the text it came from.

import { isIP, isIPv6 } from 'node:net';
import type { ValueError, ValueResult } from './types';

export interface Param {
  name: string;
  /** undefined for a flag parameter (`;lr`, `;rport`). Quoted values keep their quotes. */
  value?: string;
}

export interface SipUri {
  scheme: 'sip' | 'sips';
  user?: string;
  password?: string;
  host: string;
  port?: number;
  params: Param[];
  /** The `?h=v&...` part without the `?`. */
  headers?: string;
}

export interface NameAddr {
  /** The display name, unquoted and unescaped. */
  displayName?: string;
  /** The display name exactly as written, quotes included. */
  displayRaw?: string;
  /** True when the URI was written inside `<...>`. */
  bracketed: boolean;
  uriText: string;
  /** The parsed URI when it is sip: or sips:; undefined for another absoluteURI (tel:, urn:, …). */
  uri?: SipUri;
  /** Header parameters: after `>`, or after a bare URI (all of its `;` parameters, §20.10). */
  params: Param[];
}

const UNRESERVED = "A-Za-z0-9\\-_.!~*'()";
const USER_RE = new RegExp(`^(?:[${UNRESERVED}&=+$,;?/]|%[0-9A-Fa-f]{2})+$`);
const PASSWORD_RE = new RegExp(`^(?:[${UNRESERVED}&=+$,]|%[0-9A-Fa-f]{2})*$`);
const PARAMCHAR_RE = new RegExp(`^(?:[${UNRESERVED}\\[\\]/:&+$]|%[0-9A-Fa-f]{2})+$`);
const HEADERS_RE = new RegExp(`^(?:[${UNRESERVED}\\[\\]/?:+$=&]|%[0-9A-Fa-f]{2})+$`);
const HOSTNAME_RE = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)*[A-Za-z](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.?$/;
const IPV4_RE = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const TOKEN_RE = /^[A-Za-z0-9\-.!%*_+`'~]+$/;

export function err<T>(offset: number, expected: string, found: string): ValueResult<T> {
  return { ok: false, error: { offset, expected, found } };
}

function shown(s: string): string {
  return s.length === 0 ? '(nothing)' : JSON.stringify(s.length > 40 ? s.slice(0, 40) + '…' : s);
}

/** A host as RFC 3261 writes it: hostname, IPv4address or IPv6reference. */
export function isValidHost(host: string): boolean {
  if (host.startsWith('[')) return host.endsWith(']') && isIPv6(host.slice(1, -1));
  const v4 = IPV4_RE.exec(host);
  if (v4) return v4.slice(1).every((p) => Number(p) <= 255);
  return HOSTNAME_RE.test(host) && !/^[\d.]+$/.test(host);
}

/** Splits `host[:port]` (IPv6 in brackets). Offsets in errors are into `text`. */
export function parseHostPort(text: string, base = 0): ValueResult<{ host: string; port?: number }> {
  let host = text;
  let portText: string | undefined;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) return err(base, 'an IPv6 reference closed by "]"', shown(text));
    host = text.slice(0, close + 1);
    const rest = text.slice(close + 1);
    if (rest.length > 0) {
      if (!rest.startsWith(':')) return err(base + close + 1, '":" port or nothing after the IPv6 reference', shown(rest));
      portText = rest.slice(1);
    }
  } else {
    const colon = text.indexOf(':');
    if (colon >= 0) {
      host = text.slice(0, colon);
      portText = text.slice(colon + 1);
    }
  }
  if (!isValidHost(host)) return err(base, 'a host (hostname, IPv4 address or [IPv6])', shown(host));
  if (portText === undefined) return { ok: true, value: { host } };
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) {
    return err(base + host.length + 1, 'a port from 0 to 65535', shown(portText));
  }
  return { ok: true, value: { host, port: Number(portText) } };
}

/** `;name[=value]` parameters of a URI, each value checked against paramchar. */
function parseUriParams(text: string, base: number): ValueResult<Param[]> {
  const params: Param[] = [];
  if (text === '') return { ok: true, value: params };
  let offset = base;
  for (const part of text.split(';')) {
    const eq = part.indexOf('=');
    const name = eq < 0 ? part : part.slice(0, eq);
    const value = eq < 0 ? undefined : part.slice(eq + 1);
    if (!PARAMCHAR_RE.test(name)) return err(offset, 'a URI parameter name', shown(name));
    if (value !== undefined && !PARAMCHAR_RE.test(value)) return err(offset + eq + 1, `a value for URI parameter "${name}"`, shown(value));
    params.push(value === undefined ? { name } : { name, value });
    offset += part.length + 1;
  }
  return { ok: true, value: params };
}

/** Parses `sip:` and `sips:` URIs. Offsets in errors are into `text` plus `base`. */
export function parseSipUri(text: string, base = 0): ValueResult<SipUri> {
  const m = /^(sips?):/i.exec(text);
  if (!m) return err(base, 'a sip: or sips: URI', shown(text));
  const scheme = m[1]!.toLowerCase() as 'sip' | 'sips';
  let rest = text.slice(m[0].length);
  let offset = base + m[0].length;
  const uri: SipUri = { scheme, host: '', params: [] };
  const at = rest.indexOf('@');
  if (at >= 0) {
    const userinfo = rest.slice(0, at);
    const colon = userinfo.indexOf(':');
    const user = colon < 0 ? userinfo : userinfo.slice(0, colon);
    if (!USER_RE.test(user)) return err(offset, 'a user part (unreserved, escaped or &=+$,;?/)', shown(user));
    uri.user = user;
    if (colon >= 0) {
      const password = userinfo.slice(colon + 1);
      if (!PASSWORD_RE.test(password)) return err(offset + colon + 1, 'a password', shown(password));
      uri.password = password;
    }
    rest = rest.slice(at + 1);
    offset += at + 1;
  }
  const q = rest.indexOf('?');
  let headers: string | undefined;
  if (q >= 0) {
    headers = rest.slice(q + 1);
    rest = rest.slice(0, q);
    if (!HEADERS_RE.test(headers)) return err(offset + q + 1, 'URI headers (hname=hvalue&...)', shown(headers));
  }
  const semi = rest.indexOf(';');
  const hostport = semi < 0 ? rest : rest.slice(0, semi);
  const hp = parseHostPort(hostport, offset);
  if (!hp.ok) return hp;
  uri.host = hp.value.host;
  if (hp.value.port !== undefined) uri.port = hp.value.port;
  if (semi >= 0) {
    const params = parseUriParams(rest.slice(semi + 1), offset + semi + 1);
    if (!params.ok) return params;
    uri.params = params.value;
  }
  if (headers !== undefined) uri.headers = headers;
  return { ok: true, value: uri };
}

export function serializeParams(params: Param[]): string {
  return params.map((p) => (p.value === undefined ? `;${p.name}` : `;${p.name}=${p.value}`)).join('');
}

export function serializeSipUri(uri: SipUri): string {
  let s = `${uri.scheme}:`;
  if (uri.user !== undefined) s += uri.password !== undefined ? `${uri.user}:${uri.password}@` : `${uri.user}@`;
  s += uri.host;
  if (uri.port !== undefined) s += `:${uri.port}`;
  s += serializeParams(uri.params);
  if (uri.headers !== undefined) s += `?${uri.headers}`;
  return s;
}

/** The value of a parameter (names compare case-insensitively); '' for a flag; undefined if absent. */
export function paramValue(params: Param[], name: string): string | undefined {
  const p = params.find((x) => x.name.toLowerCase() === name.toLowerCase());
  return p === undefined ? undefined : (p.value ?? '');
}

/** Header parameters: `;name[=token / host / quoted-string]` with SWS around `;` and `=`. */
export function parseGenericParams(text: string, base: number): ValueResult<Param[]> {
  const params: Param[] = [];
  let i = 0;
  const ws = (): void => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t')) i++;
  };
  ws();
  while (i < text.length) {
    if (text[i] !== ';') return err(base + i, '";" before a parameter', shown(text.slice(i)));
    i++;
    ws();
    const nameStart = i;
    while (i < text.length && /[A-Za-z0-9\-.!%*_+`'~]/.test(text[i]!)) i++;
    const name = text.slice(nameStart, i);
    if (name === '') return err(base + nameStart, 'a parameter name (token)', shown(text.slice(nameStart)));
    ws();
    if (text[i] === '=') {
      i++;
      ws();
      const valueStart = i;
      if (text[i] === '"') {
        const end = quotedStringEnd(text, i);
        if (end < 0) return err(base + i, 'a closing quote', shown(text.slice(i)));
        i = end;
      } else {
        while (i < text.length && /[A-Za-z0-9\-.!%*_+`'~:\[\]]/.test(text[i]!)) i++;
        if (i === valueStart) return err(base + i, `a value for parameter "${name}"`, shown(text.slice(i)));
      }
      params.push({ name, value: text.slice(valueStart, i) });
    } else {
      params.push({ name });
    }
    ws();
  }
  return { ok: true, value: params };
}

/** Index just past the quoted-string starting at `start` (which holds `"`), or -1 if unterminated. */
export function quotedStringEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === '"') return i + 1;
    if (c === '\r' || c === '\n') return -1;
  }
  return -1;
}

function unquote(q: string): string {
  return q.slice(1, -1).replace(/\\(.)/g, '$1');
}

const ABSOLUTE_URI_RE = /^[A-Za-z][A-Za-z0-9+\-.]*:[A-Za-z0-9\-_.!~*'();/?:@&=+$,%[\]]+$/;

/** A sip:/sips: URI parsed, or another absoluteURI (RFC 3261 §25.1) kept as text. */
function parseAnyUri(text: string, base: number): ValueResult<SipUri | undefined> {
  if (!/^sips?:/i.test(text) && ABSOLUTE_URI_RE.test(text)) return { ok: true, value: undefined };
  return parseSipUri(text, base);
}

/** To, From, Contact entries: `[display-name] <uri> *(;param)` or a bare URI with header params. */
export function parseNameAddr(text: string, base = 0): ValueResult<NameAddr> {
  let i = 0;
  while (i < text.length && (text[i] === ' ' || text[i] === '\t')) i++;
  let displayRaw: string | undefined;
  let displayName: string | undefined;
  if (text[i] === '"') {
    const end = quotedStringEnd(text, i);
    if (end < 0) return err(base + i, 'a display name closed by a quote', shown(text.slice(i)));
    displayRaw = text.slice(i, end);
    displayName = unquote(displayRaw);
    i = end;
    while (i < text.length && (text[i] === ' ' || text[i] === '\t')) i++;
    if (text[i] !== '<') return err(base + i, '"<" after the display name', shown(text.slice(i)));
  }
  const lt = text.indexOf('<', i);
  if (text[i] === '<' || (displayRaw === undefined && lt >= 0)) {
    if (displayRaw === undefined && lt > i) {
      displayRaw = text.slice(i, lt).trimEnd();
      // An unquoted display name is *(token LWS).
      if (!displayRaw.split(/[ \t]+/).every((w) => TOKEN_RE.test(w))) {
        return err(base + i, 'a display name of tokens, or a quoted string', shown(displayRaw));
      }
      displayName = displayRaw;
      i = lt;
    }
    const gt = text.indexOf('>', i);
    if (gt < 0) return err(base + i, 'a ">" closing the URI', shown(text.slice(i)));
    const uriText = text.slice(i + 1, gt);
    const uri = parseAnyUri(uriText, base + i + 1);
    if (!uri.ok) return uri;
    const params = parseGenericParams(text.slice(gt + 1), base + gt + 1);
    if (!params.ok) return params;
    const out: NameAddr = { bracketed: true, uriText, params: params.value };
    if (uri.value) out.uri = uri.value;
    if (displayRaw !== undefined) {
      out.displayRaw = displayRaw;
      out.displayName = displayName!;
    }
    return { ok: true, value: out };
  }
  // addr-spec: the URI cannot hold ';', so every ';' parameter is a header parameter.
  const rest = text.slice(i);
  const semi = rest.indexOf(';');
  const uriText = (semi < 0 ? rest : rest.slice(0, semi)).trimEnd();
  if (/[ \t]/.test(uriText)) return err(base + i, 'a URI without spaces, or a display name with <URI>', shown(uriText));
  const uri = parseAnyUri(uriText, base + i);
  if (!uri.ok) return uri;
  const params = semi < 0 ? { ok: true as const, value: [] } : parseGenericParams(rest.slice(semi), base + i + semi);
  if (!params.ok) return params;
  const out: NameAddr = { bracketed: false, uriText, params: params.value };
  if (uri.value) out.uri = uri.value;
  return { ok: true, value: out };
}

export function serializeNameAddr(na: NameAddr): string {
  const uri = na.uri ? serializeSipUri(na.uri) : na.uriText;
  const params = serializeParams(na.params);
  if (!na.bracketed) return uri + params;
  const display = na.displayRaw !== undefined ? `${na.displayRaw} ` : '';
  return `${display}<${uri}>${params}`;
}

/** Splits a header value at top-level commas (outside quotes and `<...>`), with offsets. */
export function splitTopLevel(text: string): { part: string; offset: number }[] {
  const out: { part: string; offset: number }[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') {
      const end = quotedStringEnd(text, i);
      if (end < 0) break;
      i = end - 1;
    } else if (c === '<') depth++;
    else if (c === '>') depth = Math.max(0, depth - 1);
    else if (c === ',' && depth === 0) {
      out.push({ part: text.slice(start, i), offset: start });
      start = i + 1;
    }
  }
  out.push({ part: text.slice(start), offset: start });
  return out.map(({ part, offset }) => {
    const lead = part.length - part.trimStart().length;
    return { part: part.trim(), offset: offset + lead };
  });
}

export function isIpAddress(host: string): boolean {
  return isIP(host.replace(/^\[|\]$/g, '')) !== 0;
}

export type { ValueError };
