// The conformance checker: a parsed message in, findings out. Base SIP rules (RFC 3261,
// reported under SOS-WIRE-1) live here; the SOSIMPLE rules in check-sosimple.ts.
// Severity follows the catalogue (MUST -> error, SHOULD/MAY -> warning) unless a rule's own
// text makes one part of it a SHOULD.

import { severityOf } from '../catalogue/catalogue';
import { parseCSeq, parseContactList, parseDeltaSeconds, parseOptionTags, parseVia } from './headers';
import { checkSosimple } from './check-sosimple';
import type { Finding, HeaderField, Position, Severity, SipMessage, ValueResult } from './types';
import { parseNameAddr } from './uri';

/** What the message is for, when the message alone cannot say (the exchange tells the harness). */
export type Role =
  | 'join'
  | 'leave'
  | 'node-query'
  | 'user-register'
  | 'user-query'
  | 'lookup'
  | 'redirect'
  | 'join-ok'
  | 'query-ok'
  | 'register-ok'
  | 'lookup-contacts'
  /** A 200 to a node REGISTER from a node the receiver already holds: a neighbour REGISTER (SOS-MAINT-7). */
  | 'neighbour-ok'
  /** Any other response to a P2P request (a 404, a 488, the 200 to a leave or a probe). */
  | 'answer'
  /** The last request, to a resolved user agent (SOS-WIRE-4 decision: Supported: dht only). */
  | 'direct';

export const ROLES: readonly Role[] = [
  'join', 'leave', 'node-query', 'user-register', 'user-query', 'lookup',
  'redirect', 'join-ok', 'query-ok', 'register-ok', 'lookup-contacts', 'neighbour-ok', 'answer', 'direct',
];

/** An address on the wire. */
export interface WireAddress {
  host: string;
  port: number;
}

export interface CheckContext {
  role?: Role;
  transport?: 'udp' | 'tcp';
  /** Only the base SIP rules (SOS-WIRE-1): for an answer to a request the harness broke on purpose. */
  sipOnly?: boolean;
  /** Where a UDP message came from: a node's own socket, so its DHT-NodeID must name that port (SOS-WIRE-12). */
  source?: WireAddress;
  /** Where a request was sent: its Request-URI must name that node (SOS-WIRE-11). */
  destination?: WireAddress;
  /** Nodes the harness knows (ring nodes, its virtual nodes): an entry naming one without its port is a SOS-WIRE-12 finding. */
  knownNodes?: readonly WireAddress[];
  /**
   * Judge the sender, not what a receiver tolerates: spellings receivers accept and report
   * (`overlay-name`, `resourceID`, SOS-WIRE-9) are errors of the node that wrote them.
   */
  sender?: boolean;
  /** A response's Contacts that echo its request's own (a join's 200): they describe the requester, not the sender. */
  echoedContacts?: readonly string[];
}

/**
 * Every requirement the checker reports, with what it judges on one message. The wire sweep
 * (suites/support/wire-sweep.ts) turns each into a test, and the coverage table counts them
 * for every suite that runs the sweep. A unit test keeps this list and the checker in step.
 */
export const CHECKED_REQUIREMENTS: readonly { id: string; checks: string }[] = [
  { id: 'SOS-WIRE-1', checks: 'is valid RFC 3261: it parses, mandatory headers once each, a To-tag on responses, well-formed values' },
  { id: 'SOS-ID-1', checks: 'writes every ID as 40 lower-case hex digits' },
  { id: 'SOS-ID-2', checks: "names every node by SHA-1 of its ip:port" },
  { id: 'SOS-ID-6', checks: 'names the hash rsa-sha1 wherever an alg is written' },
  { id: 'SOS-WIRE-2', checks: "puts the sender's own node URI (user=node, alg, overlay) in the To, From and Contact of node REGISTERs" },
  { id: 'SOS-WIRE-3', checks: 'puts user URIs (alg, overlay, no user=node, resource-ID = ID-3) in To and From of user requests' },
  { id: 'SOS-WIRE-4', checks: 'carries Require: dht and Supported: dht (Supported only on the last hop to a user agent)' },
  { id: 'SOS-WIRE-5', checks: "carries exactly one well-formed DHT-NodeID naming the sender" },
  { id: 'SOS-WIRE-6', checks: 'writes DHT-Link entries by the grammar, without duplicates, each ID the hash of its address' },
  { id: 'SOS-WIRE-7', checks: 'writes the header names DHT-NodeID and DHT-Link in their canonical case' },
  { id: 'SOS-WIRE-8', checks: 'gives registrations an expiry and node queries neither Contact nor Expires' },
  { id: 'SOS-WIRE-9', checks: 'spells the parameters overlay and resource-ID' },
  { id: 'SOS-WIRE-11', checks: "addresses DHT REGISTERs to sip: + the contacted node's address, without P2P parameters" },
  { id: 'SOS-WIRE-12', checks: 'writes host:port for a node not on 5060 and never leaves a port out' },
  { id: 'SOS-WIRE-13', checks: "writes a node query's To as the searched ID at the sender's own host:port" },
  { id: 'SOS-JOIN-1', checks: 'answers 302 with exactly one node-URI Contact where it redirects' },
  { id: 'SOS-JOIN-3', checks: 'answers a join with 200 carrying the Contact, an expiry, P 1 and S 1' },
  { id: 'SOS-JOIN-9', checks: 'never sends a third-party node registration (From differs from To)' },
  { id: 'SOS-MAINT-2', checks: 'leaves with an expiry-0 REGISTER carrying P 1 and S 1' },
  { id: 'SOS-MAINT-7', checks: 'answers a neighbour REGISTER with 200 carrying P 1 and S 1' },
  { id: 'SOS-REG-2', checks: "answers a user registration's 200 without any node URI" },
  { id: 'SOS-REG-9', checks: "puts the unhashed username, alg and overlay in a user REGISTER's Contact, and no F entries" },
  { id: 'SOS-LOOKUP-2', checks: "answers a lookup at the responsible node with the user's Contact(s), P 1 and S 1" },
  { id: 'SOS-LOOKUP-5', checks: 'answers a node query at the responsible node with P 1 and S 1' },
];

/** Collects findings; one place decides severity and de-duplicates. */
export class Findings {
  readonly list: Finding[] = [];

  add(requirement: string, at: Position, expected: string, found: string, message: string, severity?: Severity): void {
    const sev = severity ?? severityOf(requirement);
    const dup = this.list.some((f) => f.requirement === requirement && f.at.line === at.line && f.at.column === at.column && f.message === message);
    if (!dup) this.list.push({ requirement, severity: sev, at, expected, found, message });
  }

  /** Reports a failed value parse at the offending character of the field. */
  addValue<T>(requirement: string, field: HeaderField, result: ValueResult<T>, what: string, severity?: Severity): result is { ok: true; value: T } {
    if (result.ok) return true;
    const { offset, expected, found } = result.error;
    this.add(requirement, field.positionOf(offset), expected, found, `${field.name}: malformed ${what}`, severity);
    return false;
  }
}

const START: Position = { line: 1, column: 1 };
const REQUEST_MANDATORY = ['via', 'to', 'from', 'call-id', 'cseq', 'max-forwards'];
const RESPONSE_MANDATORY = ['via', 'to', 'from', 'call-id', 'cseq'];
const SINGLE = ['to', 'from', 'call-id', 'cseq', 'max-forwards', 'expires'];
const CALL_ID_RE = /^[A-Za-z0-9\-.!%*_+`'~()<>:\\"/[\]?{}]+(@[A-Za-z0-9\-.!%*_+`'~()<>:\\"/[\]?{}]+)?$/;

/** Runs every applicable check. Findings are data; this never throws on a parsed message. */
export function checkMessage(message: SipMessage, context: CheckContext = {}): Finding[] {
  const findings = new Findings();
  checkBaseSip(message, findings);
  if (!context.sipOnly) checkSosimple(message, context, findings);
  return findings.list;
}

function checkBaseSip(message: SipMessage, findings: Findings): void {
  const isRequest = message.startLine.kind === 'request';
  const present = new Map<string, HeaderField[]>();
  for (const h of message.headers) present.set(h.key, [...(present.get(h.key) ?? []), h]);

  for (const key of isRequest ? REQUEST_MANDATORY : RESPONSE_MANDATORY) {
    if (!present.has(key)) {
      findings.add('SOS-WIRE-1', START, `a ${key} header (RFC 3261 §8.1.1)`, 'none', `the ${isRequest ? 'request' : 'response'} has no ${key} header`);
    }
  }
  for (const key of SINGLE) {
    const fields = present.get(key) ?? [];
    if (fields.length > 1) {
      findings.add('SOS-WIRE-1', fields[1]!.at, `one ${key} header`, `${fields.length}`, `${fields[1]!.name} appears ${fields.length} times`);
    }
  }

  for (const h of message.headers) {
    switch (h.key) {
      case 'via': {
        const r = parseVia(h.value);
        if (findings.addValue('SOS-WIRE-1', h, r, 'Via') && isRequest && h === present.get('via')![0]) {
          const branch = r.value[0]!.params.find((p) => p.name.toLowerCase() === 'branch');
          if (!branch || !branch.value) {
            findings.add('SOS-WIRE-1', h.valueAt, 'a branch parameter on the top Via (RFC 3261 §8.1.1.7)', 'none', 'the request has no Via branch');
          }
        }
        break;
      }
      case 'to':
      case 'from': {
        const r = parseNameAddr(h.value);
        if (findings.addValue('SOS-WIRE-1', h, r, h.key === 'to' ? 'To' : 'From') && h.key === 'to' && message.startLine.kind === 'response' && message.startLine.status > 100) {
          // RFC 3261 §8.2.6.2: a UAS adds a To-tag to every response but 100.
          if (!r.value.params.some((p) => p.name.toLowerCase() === 'tag' && p.value)) {
            findings.add('SOS-WIRE-1', h.valueAt, 'a tag parameter on To (RFC 3261 §8.2.6.2)', 'none', 'the response carries no To-tag');
          }
        }
        break;
      }
      case 'contact':
        findings.addValue('SOS-WIRE-1', h, parseContactList(h.value), 'Contact');
        break;
      case 'cseq': {
        const r = parseCSeq(h.value);
        if (findings.addValue('SOS-WIRE-1', h, r, 'CSeq') && message.startLine.kind === 'request' && r.value.method !== message.startLine.method) {
          const offset = h.value.lastIndexOf(r.value.method);
          findings.add('SOS-WIRE-1', h.positionOf(offset), `CSeq method ${message.startLine.method}`, r.value.method, 'the CSeq method differs from the request method (RFC 3261 §8.1.1.5)');
        }
        break;
      }
      case 'call-id':
        if (!CALL_ID_RE.test(h.value)) findings.add('SOS-WIRE-1', h.valueAt, 'word ["@" word] (RFC 3261 §25.1)', JSON.stringify(h.value), 'malformed Call-ID');
        break;
      case 'max-forwards':
        findings.addValue('SOS-WIRE-1', h, parseDeltaSeconds(h.value), 'Max-Forwards');
        break;
      case 'expires':
        findings.addValue('SOS-WIRE-1', h, parseDeltaSeconds(h.value), 'Expires');
        break;
      case 'require':
      case 'supported':
      case 'unsupported':
        findings.addValue('SOS-WIRE-1', h, parseOptionTags(h.value), `${h.name} option tags`);
        break;
      default:
        break;
    }
  }
}
