// Building the node's messages: the headers every P2P message carries (SOS-WIRE-1/4/5/6)
// and the requests of the protocol (join, query, leave, user REGISTER).
import * as sip from 'sip';
import { DhtLink, formatDhtLink, formatDhtNodeId } from './dht-headers';
import { Faults } from './faults';
import { NodeRef, hostPort } from './ids';
import { RoutingTable } from './routing';
import { nameAddr, nodeUri, requestUriOf } from './uris';
import { newCallId, newTag } from './sip-endpoint';

export interface WireContext {
  self: NodeRef;
  overlay: string;
  faults: Faults;
  routing: RoutingTable;
}

/** Which DHT-Link entries go with a message: none, P 1 + S 1..S 4, or those plus every F i. */
export type LinkSet = 'none' | 'neighbours' | 'all';

export interface LinkOptions {
  links: LinkSet;
  /** SOS-JOIN-11: a join 200 names the admitting node's former P 1. */
  predecessor?: NodeRef | null;
  /** With links 'all': only these finger exponents, each listed under exponent + fingerShift. */
  fingerExponents?: readonly number[];
  fingerShift?: number;
  /** Hosts without their port, the -01 form (the `links-without-port` fault, SOS-WIRE-12). */
  portless?: boolean;
}

export function idText(ctx: WireContext, id: string): string {
  return ctx.faults.has('uppercase-node-id') ? id.toUpperCase() : id;
}

/** The `overlay-name-param` fault writes the ABNF's value name instead (breaks SOS-WIRE-9). */
function spelled(ctx: WireContext, uri: string): string {
  return ctx.faults.has('overlay-name-param') ? uri.replace(';overlay=', ';overlay-name=') : uri;
}

export function selfUri(ctx: WireContext): string {
  return spelled(ctx, nodeUri(ctx.self, ctx.overlay, idText(ctx, ctx.self.id)));
}

export function uriOfNode(ctx: WireContext, node: NodeRef): string {
  return spelled(ctx, nodeUri(node, ctx.overlay, node.id === ctx.self.id ? idText(ctx, node.id) : node.id));
}

export function linkEntries(ctx: WireContext, opts: LinkOptions): DhtLink[] {
  if (opts.links === 'none') return [];
  const r = ctx.routing;
  const out: DhtLink[] = [];
  const p = opts.predecessor !== undefined ? opts.predecessor : r.predecessor;
  if (p) out.push({ type: 'P', depth: 1, node: p });
  else if (ctx.faults.has('p1-self-on-start') && r.isAlone()) out.push({ type: 'P', depth: 1, node: ctx.self });
  let succ = [...r.successors];
  if (ctx.faults.has('wrong-successor') && succ.length > 1) succ = succ.slice(1);
  succ.forEach((node, k) => {
    if (k === 0 && ctx.faults.has('dht-link-missing-s1')) return;
    out.push({ type: 'S', depth: k + 1, node });
  });
  if (opts.links === 'all') {
    for (const i of opts.fingerExponents ?? r.exponents) {
      const node = r.fingers.get(i);
      const depth = (ctx.faults.has('fingers-off-by-one') ? i + 1 : i) + (opts.fingerShift ?? 0);
      if (node && depth <= 159) out.push({ type: 'F', depth, node });
    }
  }
  return out;
}

/** SOS-WIRE-4/5/6: Require/Supported dht, one DHT-NodeID, DHT-Link one entry per line. */
export function dhtHeaders(ctx: WireContext, opts: LinkOptions, requireDht = true): Record<string, string> {
  const upper = ctx.faults.has('uppercase-node-id');
  const h: Record<string, string> = {};
  if (requireDht && !ctx.faults.has('no-require-dht')) h['Require'] = 'dht';
  h['Supported'] = 'dht';
  // The `dht-header-name-case` fault: the package writes a lower-case key as `Dht-Nodeid` (SOS-WIRE-7).
  if (!ctx.faults.has('no-dht-nodeid')) h[ctx.faults.has('dht-header-name-case') ? 'dht-nodeid' : 'DHT-NodeID'] = formatDhtNodeId(ctx.self, upper);
  const links = linkEntries(ctx, opts).map((l) => formatDhtLink(opts.portless ? { ...l, node: { ...l.node, port: 5060 } } : l, upper && l.node.id === ctx.self.id));
  if (links.length) {
    // The package writes a string value as `Name: value`; joining with CRLF + name makes one
    // line per entry (notes B, stringify).
    h['DHT-Link'] = ctx.faults.has('dht-link-one-line') ? links.join(',') : links.join('\r\nDHT-Link: ');
  }
  return h;
}

let cseqCounter = 1;

export interface RequestParts {
  method: string;
  target: { host: string; port: number };
  requestUri?: string;
  to: sip.NameAddr;
  from: sip.NameAddr;
  contact?: sip.NameAddr[];
  headers?: Record<string, unknown>;
  links?: LinkOptions;
  requireDht?: boolean;
  p2p?: boolean;
  callId?: string;
  cseq?: number;
  content?: string;
}

export function buildRequest(ctx: WireContext, parts: RequestParts): sip.Message {
  const headers: sip.Headers = {
    via: [],
    to: parts.to,
    from: parts.from,
    'call-id': parts.callId ?? newCallId(ctx.self.host),
    cseq: { seq: parts.cseq ?? cseqCounter++, method: parts.method },
    'Max-Forwards': '70',
  };
  if (parts.contact) headers.contact = parts.contact;
  if (parts.p2p !== false) Object.assign(headers, dhtHeaders(ctx, parts.links ?? { links: 'none' }, parts.requireDht !== false));
  else headers['Supported'] = 'dht'; // SOS-WIRE-4: the last hop to a non-P2P contact
  Object.assign(headers, parts.headers ?? {});
  // The `ruri-with-overlay` fault puts a P2P parameter in a DHT REGISTER's Request-URI (SOS-WIRE-11).
  const overlayParam = parts.method === 'REGISTER' && !parts.requestUri && ctx.faults.has('ruri-with-overlay') ? `;overlay=${ctx.overlay}` : '';
  return tidy({
    method: parts.method,
    uri: (parts.requestUri ?? requestUriOf(parts.target)) + overlayParam,
    headers,
    content: parts.content ?? '',
  });
}

function formatNameAddr(na: sip.NameAddr): string {
  const params = Object.entries(na.params ?? {})
    .map(([k, v]) => (v === null || v === undefined ? `;${k}` : `;${k}=${v}`))
    .join('');
  return `${na.name ? `"${na.name}" ` : ''}<${na.uri}>${params}`;
}

/**
 * The package writes `To:  <uri>` (two spaces) for an address without display name; a
 * string value is written as is, so the node formats To, From and Contact itself.
 */
function tidy(m: sip.Message): sip.Message {
  const h = m.headers;
  for (const key of ['to', 'from'] as const) {
    const v = h[key];
    if (v && typeof v === 'object') (h as Record<string, unknown>)[key] = formatNameAddr(v);
  }
  if (Array.isArray(h.contact)) (h as Record<string, unknown>).contact = h.contact.map(formatNameAddr).join(', ');
  return m;
}

/** SOS-WIRE-2: To, From and Contact are the sender's own node URI. */
export function nodeRegister(ctx: WireContext, target: NodeRef | { host: string; port: number }, expires: number, links: LinkSet): sip.Message {
  const me = selfUri(ctx);
  return buildRequest(ctx, {
    method: 'REGISTER',
    target,
    to: nameAddr(me),
    from: nameAddr(me, { tag: newTag() }),
    // The `contact-without-user-node` fault drops user=node from the Contact (SOS-WIRE-2).
    contact: [nameAddr(ctx.faults.has('contact-without-user-node') ? me.replace(';user=node', '') : me)],
    headers: { Expires: String(expires) },
    links: { links },
  });
}

/** SOS-WIRE-13 node query: To = the searched ID at the sender's host, no Contact, no Expires. */
export function nodeQuery(ctx: WireContext, target: NodeRef, searchedId: string): sip.Message {
  // The `query-to-target-host` fault names the queried node's host (breaks SOS-WIRE-13).
  const at = ctx.faults.has('query-to-target-host') ? target : ctx.self;
  const to = `sip:${searchedId}@${hostPort(at.host, at.port)};user=node;alg=rsa-sha1;overlay=${ctx.overlay}`;
  return buildRequest(ctx, {
    method: 'REGISTER',
    target,
    to: nameAddr(to),
    from: nameAddr(selfUri(ctx), { tag: newTag() }),
    // The `query-with-expires` fault: a query carries neither Contact nor Expires (SOS-WIRE-8).
    ...(ctx.faults.has('query-with-expires') ? { headers: { Expires: '600' } } : {}),
  });
}

export interface FinalResponse {
  status: number;
  reason?: string;
  contact?: sip.NameAddr[];
  headers?: Record<string, unknown>;
  links?: LinkOptions;
  /** P2P decoration (Require/Supported dht, DHT-NodeID, DHT-Link). */
  p2p: boolean;
  content?: string;
}

const REASONS: Record<number, string> = {
  200: 'OK', 202: 'Accepted', 302: 'Moved Temporarily', 400: 'Bad Request', 403: 'Forbidden',
  404: 'Not Found', 420: 'Bad Extension', 421: 'Extension Required', 480: 'Temporarily Unavailable',
  481: 'Call/Transaction Does Not Exist', 483: 'Too Many Hops', 486: 'Busy Here',
  488: 'Not Acceptable Here', 489: 'Bad Event', 493: 'Undecipherable', 500: 'Server Internal Error',
};

/** A response with a To-tag (RFC 3261 §8.2.6.2; the package adds none). */
export function buildResponse(ctx: WireContext, rq: sip.Message, f: FinalResponse): sip.Message {
  const rs = sip.makeResponse(rq, f.status, f.reason ?? REASONS[f.status] ?? '');
  const to = rq.headers.to;
  if (to && !(to.params && to.params.tag) && !ctx.faults.has('no-to-tag')) {
    rs.headers.to = { ...to, params: { ...to.params, tag: newTag() } };
  }
  if (f.contact) rs.headers.contact = f.contact;
  if (f.p2p) Object.assign(rs.headers, dhtHeaders(ctx, f.links ?? { links: 'neighbours' }));
  // The `alg-sha1-in-responses` fault names the hash by -02's token in its answers (SOS-ID-6).
  const own = rs.headers['DHT-NodeID'];
  if (ctx.faults.has('alg-sha1-in-responses') && typeof own === 'string') rs.headers['DHT-NodeID'] = own.replace(/^rsa-sha1 /, 'sha1 ');
  Object.assign(rs.headers, f.headers ?? {});
  rs.content = f.content ?? '';
  return tidy(rs);
}
