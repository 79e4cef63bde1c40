// Checks every request must pass before its method is looked at: option tags (SOS-ERR-2,
// SOS-ERR-7), overlay and alg (SOS-ERR-3/4), the DHT headers (SOS-ERR-5, SOS-WIRE-5).
// Pure: returns the refusal to send, or what was read.
import * as sip from 'sip';
import { DhtLink, DhtNodeId, parseDhtLinks, parseDhtNodeId } from './dht-headers';
import { Faults } from './faults';
import { ALG } from './ids';
import { ReadUri, readNameAddr } from './uris';
import { FinalResponse } from './wire';

export interface Inbound {
  /** The request named `dht` in Require (a P2P operation, SOS-WIRE-4). */
  requireDht: boolean;
  supportedDht: boolean;
  sender?: DhtNodeId;
  links: DhtLink[];
  to?: ReadUri;
  from?: ReadUri;
  contacts: ReadUri[];
  contactStar: boolean;
  /** Expires header value, when present and numeric. */
  expiresHeader?: number;
}

export type Checked = { ok: true; inbound: Inbound } | { ok: false; refusal: FinalResponse };

export function headerText(rq: sip.Message, name: string): string | undefined {
  const v = rq.headers[name];
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}

function tags(v: string | undefined): string[] {
  return (v ?? '').split(',').map((t) => t.trim()).filter(Boolean);
}

function refuse(status: number, p2p: boolean, headers?: Record<string, unknown>, reason?: string): Checked {
  return { ok: false, refusal: { status, p2p, headers, reason, links: { links: 'none' } } };
}

export function checkRequest(rq: sip.Message, overlay: string, faults: Faults): Checked {
  const require = tags(headerText(rq, 'require'));
  const supported = tags(headerText(rq, 'supported'));
  // SOS-WIRE-4: `DHT` (the IANA spelling) is accepted.
  const requireDht = require.some((t) => t.toLowerCase() === 'dht');
  const supportedDht = supported.some((t) => t.toLowerCase() === 'dht');
  const p2p = requireDht || supportedDht;

  const mf = headerText(rq, 'max-forwards');
  if (mf !== undefined && Number(mf) === 0 && rq.method !== 'OPTIONS') return refuse(483, p2p);

  const unknown = require.filter((t) => t.toLowerCase() !== 'dht');
  if (unknown.length && !faults.has('no-420')) return refuse(420, p2p, { Unsupported: unknown.join(', ') }); // SOS-ERR-2

  if (rq.method === 'REGISTER' && !requireDht && !faults.has('no-421')) {
    return refuse(421, false, { Require: 'dht' }); // SOS-ERR-7
  }

  const insideOnly = faults.has('params-inside-only');
  const to = readNameAddr(rq.headers.to, insideOnly);
  const from = readNameAddr(rq.headers.from, insideOnly);
  const rawContacts = rq.headers.contact;
  const contactStar = rawContacts === '*';
  const contacts = Array.isArray(rawContacts) ? rawContacts.map((c) => readNameAddr(c, insideOnly)).filter((c): c is ReadUri => !!c) : [];
  const expiresText = headerText(rq, 'expires');
  if (expiresText !== undefined && !/^\s*\d+\s*$/.test(expiresText)) return refuse(400, p2p, undefined, 'Bad Expires');
  const inbound: Inbound = {
    requireDht,
    supportedDht,
    links: [],
    to,
    from,
    contacts,
    contactStar,
    expiresHeader: expiresText === undefined ? undefined : Number(expiresText),
  };
  if (!requireDht) return { ok: true, inbound };

  // SOS-ERR-3 / SOS-ERR-4: an overlay the node is not in, or an alg it does not know.
  for (const u of [to, from]) {
    if (!u) continue;
    if (u.params.overlay !== undefined && u.params.overlay !== overlay && !faults.has('no-488')) {
      return refuse(488, true, { Warning: `399 - "not in overlay ${u.params.overlay}"` });
    }
    if (u.params.alg !== undefined && u.params.alg !== null && u.params.alg.toLowerCase() !== ALG) {
      return refuse(488, true, { Warning: `399 - "unknown alg ${u.params.alg}"` });
    }
  }

  // SOS-WIRE-5, SOS-ERR-5: exactly one well-formed DHT-NodeID; well-formed DHT-Links.
  const nodeIdText = headerText(rq, 'dht-nodeid');
  if (nodeIdText === undefined) return refuse(400, true, undefined, 'Missing DHT-NodeID');
  if (nodeIdText.includes(',')) return refuse(400, true, undefined, 'More than one DHT-NodeID');
  const sender = parseDhtNodeId(nodeIdText);
  if (!sender.ok) return refuse(400, true, { Warning: `399 - "${sender.error.replace(/"/g, "'")}"` }, 'Bad DHT-NodeID');
  if (sender.value.alg.toLowerCase() !== ALG) return refuse(488, true, { Warning: `399 - "unknown alg ${sender.value.alg}"` });
  const links = parseDhtLinks(headerText(rq, 'dht-link'));
  if (!links.ok) return refuse(400, true, { Warning: `399 - "${links.error.replace(/"/g, "'")}"` }, 'Bad DHT-Link');
  const badAlg = links.value.find((l) => l.alg !== undefined && l.alg.toLowerCase() !== ALG);
  if (badAlg) return refuse(488, true, { Warning: `399 - "unknown alg ${badAlg.alg}"` });
  inbound.sender = sender.value;
  inbound.links = links.value;
  return { ok: true, inbound };
}

/** The expiry a REGISTER asks for: the Contact's parameter, else Expires, else 600 (SOS-WIRE-8). */
export function requestedExpiry(inbound: Inbound, contact?: ReadUri): number {
  if (contact?.params.expires !== undefined) return contact.params.expires;
  if (inbound.expiresHeader !== undefined) return inbound.expiresHeader;
  return 600;
}
