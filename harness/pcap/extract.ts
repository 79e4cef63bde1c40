// From a capture to the SIP messages in it, grouped into transactions and dialogs.
//
// Every packet ends up either as (part of) a SIP message or in one counter of the summary, so a
// person can tell why a message they expected is missing: the link type was unknown, the packet
// was cut by the snaplen, a fragment never arrived, a TCP stream never showed a start line…
// A payload counts as SIP when its first line is a SIP start line, on any port. Messages that
// look like SIP but do not parse are kept, with their parse error: that is a finding.

import { headerValue, parseCSeq, parseMessage, parseVia } from '../sip';
import type { ParseResult, SipMessage } from '../sip';
import { Capture, PcapError } from './capture';
import { IP_PROTO_TCP, IP_PROTO_UDP, IpDecoder } from './ip';
import { decodeLink } from './link';
import { readCapture, readCaptureFile } from './reader';
import { firstLineOf, isKeepAlive, looksLikeSip } from './sip-detect';
import { TcpCounters, TcpReassembler } from './tcp';

export interface Address {
  ip: string;
  port: number;
}

export interface ExtractedMessage {
  /** Position in `Extraction.messages`. */
  index: number;
  /** The packet that carried it (TCP: the one completing it). */
  packetIndex: number;
  timeNs: bigint;
  src: Address;
  dst: Address;
  transport: 'udp' | 'tcp';
  /** The parsed message, or why it does not parse. */
  result: ParseResult;
  /** The start line as written; undefined for a framing error on TCP (no bytes kept). */
  startLine?: string;
  callId?: string;
  /** CSeq as written, e.g. "1 REGISTER". */
  cseq?: string;
  /** Top Via branch and CSeq method, e.g. "z9hG4bK77 REGISTER". */
  transactionKey?: string;
}

export interface SipTransaction {
  key: string;
  branch: string;
  method: string;
  /** Indexes into `Extraction.messages`, in capture order. */
  messages: number[];
}

export interface SipDialog {
  callId: string;
  messages: number[];
  transactionKeys: string[];
}

export interface SkipCounts {
  /** Packets whose link type this reader does not decode. */
  unknownLinkType: number;
  /** Link-layer frames carrying something other than IPv4/IPv6 (ARP, LLDP…). */
  nonIp: number;
  linkTruncated: number;
  ipMalformed: number;
  ipTruncated: number;
  /** IP datagrams of other protocols (ICMP, SCTP…). */
  nonUdpTcp: number;
  udpMalformed: number;
  /** UDP payloads whose first line is not a SIP start line (DNS, RTP…). */
  udpNotSip: number;
  /** CRLF keep-alive datagrams (RFC 5626). */
  udpKeepAlives: number;
  /** Packets cut by the snaplen (captured < original length): never decoded. */
  snaplenCut: number;
  /** IP datagrams whose fragments did not all arrive. */
  incompleteFragments: number;
}

export interface ExtractSummary {
  format: Capture['format'];
  packets: number;
  capturedBytes: number;
  /** Where the file is cut short, if it is. */
  truncation?: string;
  sipMessages: number;
  parseErrors: number;
  udpMessages: number;
  tcpMessages: number;
  transactions: number;
  dialogs: number;
  skipped: SkipCounts;
  tcp: TcpCounters;
  warnings: string[];
}

export interface Extraction {
  messages: ExtractedMessage[];
  transactions: SipTransaction[];
  dialogs: SipDialog[];
  summary: ExtractSummary;
}

/** Extracts the SIP messages of an already-read capture. Never throws. */
export function extractSip(capture: Capture): Extraction {
  const skipped: SkipCounts = {
    unknownLinkType: 0,
    nonIp: 0,
    linkTruncated: 0,
    ipMalformed: 0,
    ipTruncated: 0,
    nonUdpTcp: 0,
    udpMalformed: 0,
    udpNotSip: 0,
    udpKeepAlives: 0,
    snaplenCut: 0,
    incompleteFragments: 0,
  };
  const messages: ExtractedMessage[] = [];
  const add = (m: Omit<ExtractedMessage, 'index'>): void => {
    messages.push({ index: messages.length, ...m, ...describe(m.result) });
  };
  const tcp = new TcpReassembler((s) =>
    add({
      packetIndex: s.packetIndex,
      timeNs: s.timeNs,
      src: { ip: s.src, port: s.srcPort },
      dst: { ip: s.dst, port: s.dstPort },
      transport: 'tcp',
      result: s.result,
    }),
  );
  const ip = new IpDecoder();
  let capturedBytes = 0;

  for (const packet of capture.packets) {
    capturedBytes += packet.capturedLength;
    if (packet.capturedLength < packet.originalLength) {
      skipped.snaplenCut++;
      continue;
    }
    const link = decodeLink(packet.linkType, packet.data);
    if (!link.ok) {
      if (link.reason === 'unknown-link-type') skipped.unknownLinkType++;
      else if (link.reason === 'non-ip') skipped.nonIp++;
      else skipped.linkTruncated++;
      continue;
    }
    const seg = ip.decode(link.family, link.datagram);
    if (seg.kind === 'fragment-held') continue;
    if (seg.kind === 'skip') {
      if (seg.reason === 'ip-malformed') skipped.ipMalformed++;
      else skipped.ipTruncated++;
      continue;
    }
    if (seg.protocol === IP_PROTO_TCP) {
      tcp.segment(seg.src, seg.dst, seg.payload, packet.timeNs, packet.index);
      continue;
    }
    if (seg.protocol !== IP_PROTO_UDP) {
      skipped.nonUdpTcp++;
      continue;
    }
    const udp = seg.payload;
    const udpLength = udp.length >= 8 ? (udp[4]! << 8) | udp[5]! : 0;
    // A length of 0 is legal for a jumbogram only; otherwise it must fit what was captured.
    if (udpLength < 8 || udpLength > udp.length) {
      skipped.udpMalformed++;
      continue;
    }
    const payload = udp.subarray(8, udpLength);
    if (isKeepAlive(payload)) {
      skipped.udpKeepAlives++;
      continue;
    }
    if (!looksLikeSip(payload)) {
      skipped.udpNotSip++;
      continue;
    }
    add({
      packetIndex: packet.index,
      timeNs: packet.timeNs,
      src: { ip: seg.src, port: (udp[0]! << 8) | udp[1]! },
      dst: { ip: seg.dst, port: (udp[2]! << 8) | udp[3]! },
      transport: 'udp',
      result: parseMessage(payload, { transport: 'udp' }),
      startLine: firstLineOf(payload),
    });
  }
  tcp.finish();
  skipped.incompleteFragments = ip.incompleteDatagrams();

  const { transactions, dialogs } = group(messages);
  return {
    messages,
    transactions,
    dialogs,
    summary: {
      format: capture.format,
      packets: capture.packets.length,
      capturedBytes,
      truncation: capture.truncation ? `${capture.truncation.message} (at byte offset ${capture.truncation.offset})` : undefined,
      sipMessages: messages.length,
      parseErrors: messages.filter((m) => !m.result.ok).length,
      udpMessages: messages.filter((m) => m.transport === 'udp').length,
      tcpMessages: messages.filter((m) => m.transport === 'tcp').length,
      transactions: transactions.length,
      dialogs: dialogs.length,
      skipped,
      tcp: tcp.counters,
      warnings: capture.warnings,
    },
  };
}

/** Reads and extracts in one go. Throws PcapError when the bytes are not a usable capture. */
export function extractSipFromBytes(bytes: Uint8Array): Extraction {
  return extractSip(readCapture(bytes));
}

/** Reads a file and extracts. Throws PcapError, or the file system's error (ENOENT…). */
export function extractSipFromFile(path: string): Extraction {
  return extractSip(readCaptureFile(path));
}

export { PcapError };

/** Start line, Call-ID, CSeq and transaction key of a parsed message. */
function describe(result: ParseResult): Partial<ExtractedMessage> {
  if (!result.ok) return {};
  const m = result.message;
  const out: Partial<ExtractedMessage> = { startLine: m.startLine.raw, callId: headerValue(m, 'call-id'), cseq: headerValue(m, 'cseq') };
  const key = transactionKeyOf(m);
  if (key) out.transactionKey = key;
  return out;
}

/** RFC 3261 §17.1.3/§17.2.3: the top Via branch plus the CSeq method identify a transaction. */
export function transactionKeyOf(message: SipMessage): string | undefined {
  const via = headerValue(message, 'via');
  const cseq = headerValue(message, 'cseq');
  if (via === undefined || cseq === undefined) return undefined;
  const vias = parseVia(via);
  const parsedCSeq = parseCSeq(cseq);
  if (!vias.ok || !parsedCSeq.ok) return undefined;
  const branch = vias.value[0]?.params.find((p) => p.name.toLowerCase() === 'branch')?.value;
  return branch ? `${branch} ${parsedCSeq.value.method}` : undefined;
}

function group(messages: ExtractedMessage[]): { transactions: SipTransaction[]; dialogs: SipDialog[] } {
  const transactions = new Map<string, SipTransaction>();
  const dialogs = new Map<string, SipDialog>();
  for (const m of messages) {
    if (m.transactionKey) {
      let t = transactions.get(m.transactionKey);
      if (!t) {
        const space = m.transactionKey.lastIndexOf(' ');
        t = { key: m.transactionKey, branch: m.transactionKey.slice(0, space), method: m.transactionKey.slice(space + 1), messages: [] };
        transactions.set(t.key, t);
      }
      t.messages.push(m.index);
    }
    if (m.callId !== undefined) {
      let d = dialogs.get(m.callId);
      if (!d) {
        d = { callId: m.callId, messages: [], transactionKeys: [] };
        dialogs.set(m.callId, d);
      }
      d.messages.push(m.index);
      if (m.transactionKey && !d.transactionKeys.includes(m.transactionKey)) d.transactionKeys.push(m.transactionKey);
    }
  }
  return { transactions: [...transactions.values()], dialogs: [...dialogs.values()] };
}
