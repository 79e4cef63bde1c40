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
  /** The last request, to a resolved user agent (SOS-WIRE-4 decision: Supported: dht only). */
  | 'direct';

export const ROLES: readonly Role[] = [
  'join', 'leave', 'node-query', 'user-register', 'user-query', 'lookup',
  'redirect', 'join-ok', 'query-ok', 'register-ok', 'lookup-contacts', 'direct',
];

export interface CheckContext {
  role?: Role;
  transport?: 'udp' | 'tcp';
}

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
  checkSosimple(message, context, findings);
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
