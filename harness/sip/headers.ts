// Typed values of the headers SOSIMPLE relies on, each with a parser (offsets into the
// unfolded value, for findings) and a serializer. Grammar: the catalogue's block in §2,
// draft -01 §5.6–§5.7, RFC 3261 §20 and §25.

import { err, parseGenericParams, parseHostPort, parseNameAddr, serializeNameAddr, splitTopLevel, type NameAddr, type Param } from './uri';
import type { HeaderField, SipMessage, ValueResult } from './types';
import { headerKey } from './names';

const TOKEN_CHARS = /[A-Za-z0-9\-.!%*_+`'~]/;

function shown(s: string): string {
  return s.length === 0 ? '(nothing)' : JSON.stringify(s.length > 40 ? s.slice(0, 40) + '…' : s);
}

/** Splits on SWS (runs of space/tab), keeping each word's offset. */
function words(text: string): { word: string; offset: number }[] {
  const out: { word: string; offset: number }[] = [];
  const re = /[^ \t]+/g;
  for (let m = re.exec(text); m; m = re.exec(text)) out.push({ word: m[0], offset: m.index });
  return out;
}

// ---------------------------------------------------------------- header lookup

/** Every field of the message with that name (any spelling, compact forms included), in order. */
export function headersNamed(message: SipMessage, name: string): HeaderField[] {
  const key = headerKey(name);
  return message.headers.filter((h) => h.key === key);
}

/** The value of the first field with that name, or undefined. */
export function headerValue(message: SipMessage, name: string): string | undefined {
  return headersNamed(message, name)[0]?.value;
}

// ---------------------------------------------------------------- DHT-NodeID and DHT-Link

export interface DhtNodeId {
  alg: string;
  nodeId: string;
  host: string;
  port?: number;
}

export type DhtLinkType = 'P' | 'S' | 'F';

export interface DhtLink extends DhtNodeId {
  /** The type as written (`S`, or `s`, which receivers accept, SOS-WIRE-6). */
  typeRaw: string;
  type: DhtLinkType;
  depth: number;
}

function parseHostWord(word: string, offset: number): ValueResult<{ host: string; port?: number }> {
  return parseHostPort(word, offset);
}

/** `DHT-NodeID: alg SWS NodeID SWS host[:port]` (§5.6; port per SOS-WIRE-12). */
export function parseDhtNodeId(value: string): ValueResult<DhtNodeId> {
  const w = words(value);
  if (w.length !== 3) return err(w[3]?.offset ?? value.length, 'alg SP NodeID SP host[:port] (3 fields)', `${w.length} field(s)`);
  const [alg, id, host] = w as [(typeof w)[0], (typeof w)[0], (typeof w)[0]];
  if (!isTokenString(alg.word)) return err(alg.offset, 'an alg token (rsa-sha1)', shown(alg.word));
  if (!isTokenString(id.word)) return err(id.offset, 'a NodeID', shown(id.word));
  const hp = parseHostWord(host.word, host.offset);
  if (!hp.ok) return hp;
  return { ok: true, value: { alg: alg.word, nodeId: id.word, ...hp.value } };
}

export function serializeDhtNodeId(v: DhtNodeId): string {
  return `${v.alg} ${v.nodeId} ${hostPort(v.host, v.port)}`;
}

/** `DHT-Link: type SWS depth SWS alg SWS NodeID SWS host[:port]` (§5.7). */
export function parseDhtLink(value: string): ValueResult<DhtLink> {
  const w = words(value);
  if (w.length !== 5) return err(w[5]?.offset ?? value.length, 'type depth alg NodeID host[:port] (5 fields)', `${w.length} field(s)`);
  const [type, depth, alg, id, host] = w as [(typeof w)[0], (typeof w)[0], (typeof w)[0], (typeof w)[0], (typeof w)[0]];
  const upper = type.word.toUpperCase();
  if (upper !== 'P' && upper !== 'S' && upper !== 'F') return err(type.offset, 'a link type P, S or F', shown(type.word));
  if (!/^\d+$/.test(depth.word)) return err(depth.offset, 'a depth (1*DIGIT)', shown(depth.word));
  if (!isTokenString(alg.word)) return err(alg.offset, 'an alg token (rsa-sha1)', shown(alg.word));
  if (!isTokenString(id.word)) return err(id.offset, 'a NodeID', shown(id.word));
  const hp = parseHostWord(host.word, host.offset);
  if (!hp.ok) return hp;
  return {
    ok: true,
    value: { typeRaw: type.word, type: upper, depth: Number(depth.word), alg: alg.word, nodeId: id.word, ...hp.value },
  };
}

export function serializeDhtLink(v: DhtLink): string {
  return `${v.typeRaw} ${v.depth} ${v.alg} ${v.nodeId} ${hostPort(v.host, v.port)}`;
}

export function hostPort(host: string, port?: number): string {
  return port === undefined ? host : `${host}:${port}`;
}

function isTokenString(s: string): boolean {
  return s.length > 0 && [...s].every((c) => TOKEN_CHARS.test(c));
}

// ---------------------------------------------------------------- Via

export interface Via {
  protocol: string;
  version: string;
  transport: string;
  host: string;
  port?: number;
  params: Param[];
}

/** One header value may hold several via-parms separated by commas. */
export function parseVia(value: string): ValueResult<Via[]> {
  const out: Via[] = [];
  for (const { part, offset } of splitTopLevel(value)) {
    const m = /^([^ \t/]+)[ \t]*\/[ \t]*([^ \t/]+)[ \t]*\/[ \t]*([^ \t/;]+)[ \t]+([^ \t;]+)[ \t]*(.*)$/.exec(part);
    if (!m) return err(offset, 'SIP/2.0/transport SP sent-by', shown(part));
    const [, protocol, version, transport, sentBy, rest] = m as unknown as [string, string, string, string, string, string];
    if (![protocol, version, transport].every(isTokenString)) return err(offset, 'sent-protocol tokens', shown(part));
    const hpOffset = offset + part.indexOf(sentBy, protocol.length);
    const hp = parseHostPort(sentBy, hpOffset);
    if (!hp.ok) return hp;
    const params = parseGenericParams(rest, offset + part.length - rest.length);
    if (!params.ok) return params;
    out.push({ protocol, version, transport, ...hp.value, params: params.value });
  }
  return { ok: true, value: out };
}

export function serializeVia(v: Via): string {
  const params = v.params.map((p) => (p.value === undefined ? `;${p.name}` : `;${p.name}=${p.value}`)).join('');
  return `${v.protocol}/${v.version}/${v.transport} ${hostPort(v.host, v.port)}${params}`;
}

// ---------------------------------------------------------------- CSeq, Expires, Max-Forwards, option tags

export interface CSeq {
  seq: number;
  method: string;
}

export function parseCSeq(value: string): ValueResult<CSeq> {
  const m = /^(\d{1,10})[ \t]+([^ \t]+)$/.exec(value);
  if (!m) return err(0, 'a sequence number and a method ("1 REGISTER")', shown(value));
  if (!isTokenString(m[2]!)) return err(value.indexOf(m[2]!), 'a method token', shown(m[2]!));
  const seq = Number(m[1]);
  if (seq >= 2 ** 31) return err(0, 'a sequence number below 2^31', m[1]!);
  return { ok: true, value: { seq, method: m[2]! } };
}

export function serializeCSeq(v: CSeq): string {
  return `${v.seq} ${v.method}`;
}

/** delta-seconds (Expires, Max-Forwards, the Contact `expires` parameter). */
export function parseDeltaSeconds(value: string): ValueResult<number> {
  if (!/^\d{1,10}$/.test(value)) return err(0, 'delta-seconds (1*DIGIT)', shown(value));
  return { ok: true, value: Number(value) };
}

/** `Require`, `Supported`, `Unsupported`: a comma list of option tags (may be empty for Supported). */
export function parseOptionTags(value: string): ValueResult<string[]> {
  if (value.trim() === '') return { ok: true, value: [] };
  const out: string[] = [];
  for (const { part, offset } of splitTopLevel(value)) {
    if (!isTokenString(part)) return err(offset, 'an option tag (token)', shown(part));
    out.push(part);
  }
  return { ok: true, value: out };
}

export function serializeOptionTags(tags: string[]): string {
  return tags.join(', ');
}

// ---------------------------------------------------------------- Contact lists

export type ContactValue = { star: true } | { star: false; entries: NameAddr[] };

export function parseContactList(value: string): ValueResult<ContactValue> {
  if (value.trim() === '*') return { ok: true, value: { star: true } };
  const entries: NameAddr[] = [];
  for (const { part, offset } of splitTopLevel(value)) {
    const na = parseNameAddr(part, offset);
    if (!na.ok) return na;
    entries.push(na.value);
  }
  return { ok: true, value: { star: false, entries } };
}

export function serializeContactList(v: ContactValue): string {
  return v.star ? '*' : v.entries.map(serializeNameAddr).join(', ');
}

/** Every Contact entry of the message, over all Contact fields, with the field it sits in. */
export function contactsOf(message: SipMessage): { entry?: NameAddr; star?: true; field: HeaderField; error?: string }[] {
  const out: { entry?: NameAddr; star?: true; field: HeaderField; error?: string }[] = [];
  for (const field of headersNamed(message, 'contact')) {
    const r = parseContactList(field.value);
    if (!r.ok) out.push({ field, error: `${r.error.expected}, found ${r.error.found}` });
    else if (r.value.star) out.push({ field, star: true });
    else for (const entry of r.value.entries) out.push({ field, entry });
  }
  return out;
}

export type { NameAddr, Param };
