// DHT-NodeID and DHT-Link (SOS-WIRE-5, SOS-WIRE-6, SOS-WIRE-12): parse and format.
// Parse errors are values, so the caller can answer 400 (SOS-ERR-5).
import { ALG, NodeRef, hostPort, isNodeIdSyntax } from './ids';

export type LinkType = 'P' | 'S' | 'F';

export interface DhtLink {
  type: LinkType;
  depth: number;
  node: NodeRef;
  /** The alg as written; the receiver answers an unknown one with 488 (SOS-ERR-4). */
  alg?: string;
}

export interface DhtNodeId {
  alg: string;
  node: NodeRef;
  /** SOS-ID-1: upper-case hex is accepted and flagged. */
  upperCase: boolean;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

const HOST = /^([A-Za-z0-9][A-Za-z0-9.-]*)(?::(\d{1,5}))?$/;

function parseHost(s: string): { host: string; port: number } | undefined {
  const m = HOST.exec(s);
  if (!m) return undefined;
  const port = m[2] === undefined ? 5060 : Number(m[2]);
  if (port < 1 || port > 65535) return undefined;
  return { host: m[1], port };
}

function fields(value: string): string[] {
  return value.trim().split(/\s+/).filter((f) => f.length > 0);
}

export function parseDhtNodeId(value: string): Parsed<DhtNodeId> {
  const f = fields(value);
  if (f.length !== 3) return { ok: false, error: `DHT-NodeID needs "alg NodeID host", got "${value.trim()}"` };
  const [alg, id, host] = f;
  if (!isNodeIdSyntax(id)) return { ok: false, error: `DHT-NodeID: "${id}" is not 40 hex digits` };
  const hp = parseHost(host);
  if (!hp) return { ok: false, error: `DHT-NodeID: bad host "${host}"` };
  return { ok: true, value: { alg, node: { id: id.toLowerCase(), ...hp }, upperCase: id !== id.toLowerCase() } };
}

/**
 * The `sip` package merges repeated DHT-Link lines into one comma-joined string, and the
 * grammar has no commas, so splitting on commas recovers the entries.
 */
export function parseDhtLinks(value: string | undefined): Parsed<DhtLink[]> {
  if (value === undefined || value.trim() === '') return { ok: true, value: [] };
  const out: DhtLink[] = [];
  for (const entry of value.split(',')) {
    const f = fields(entry);
    if (f.length !== 5) return { ok: false, error: `DHT-Link needs "type depth alg NodeID host", got "${entry.trim()}"` };
    const [t, d, alg, id, host] = f;
    const type = t.toUpperCase();
    if (type !== 'P' && type !== 'S' && type !== 'F') return { ok: false, error: `DHT-Link: bad type "${t}"` };
    if (!/^\d+$/.test(d)) return { ok: false, error: `DHT-Link: bad depth "${d}"` };
    const depth = Number(d);
    if (type === 'F' && depth > 159) return { ok: false, error: `DHT-Link: F depth ${depth} > 159` };
    if (!isNodeIdSyntax(id)) return { ok: false, error: `DHT-Link: "${id}" is not 40 hex digits` };
    const hp = parseHost(host);
    if (!hp) return { ok: false, error: `DHT-Link: bad host "${host}"` };
    out.push({ type, depth, alg, node: { id: id.toLowerCase(), ...hp } });
  }
  return { ok: true, value: out };
}

export function formatId(id: string, upper = false): string {
  return upper ? id.toUpperCase() : id;
}

export function formatDhtNodeId(node: NodeRef, upper = false): string {
  return `${ALG} ${formatId(node.id, upper)} ${hostPort(node.host, node.port)}`;
}

export function formatDhtLink(link: DhtLink, upper = false): string {
  return `${link.type} ${link.depth} ${ALG} ${formatId(link.node.id, upper)} ${hostPort(link.node.host, link.node.port)}`;
}

/** The links named of one type, by depth. */
export function linksOf(links: readonly DhtLink[], type: LinkType): NodeRef[] {
  return links
    .filter((l) => l.type === type)
    .sort((a, b) => a.depth - b.depth)
    .map((l) => l.node);
}

export function linkAt(links: readonly DhtLink[], type: LinkType, depth: number): NodeRef | undefined {
  return links.find((l) => l.type === type && l.depth === depth)?.node;
}
