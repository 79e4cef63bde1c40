import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { CapturePacket, writePcap, writePcapng } from '../pcap/writer';
import {
  TsharkNotFoundError,
  findTshark,
  parseSipFieldOutput,
  readSipMessages,
  runTshark,
  sipFieldArgs,
  tsharkVersion,
  unescapeFieldValue,
} from './tshark';

interface Hand {
  start: string;
  headers: string[];
  body?: string;
}

/** A hand-written SIP message: start line, header lines (a line starting with SP is a fold), body. */
function sip(m: Hand): Uint8Array {
  const body = m.body ?? '';
  const text = [m.start, ...m.headers, `Content-Length: ${Buffer.byteLength(body)}`].join('\r\n') + '\r\n\r\n' + body;
  return new TextEncoder().encode(text);
}
const headerLinesOf = (m: Hand): string[] => [...m.headers, `Content-Length: ${Buffer.byteLength(m.body ?? '')}`];

const A = { ip: '10.20.0.2', port: 25160 };
const B = { ip: '10.20.0.3', port: 25161 };
const C = { ip: '10.20.0.4', port: 25162 };
const A_TCP = { ip: A.ip, port: 40123 }; // A's ephemeral port for its outgoing TCP connection

const register1: Hand = {
  start: `REGISTER sip:${B.ip}:${B.port} SIP/2.0`,
  headers: [
    `Via: SIP/2.0/UDP ${A.ip}:${A.port};branch=z9hG4bK-reg1;rport`,
    'Max-Forwards: 70',
    `To: <sip:peer-a@${B.ip}:${B.port};user=node>`,
    `From: <sip:peer-a@${A.ip}:${A.port};user=node>;tag=a1`,
    'Call-ID: reg-1@10.20.0.2',
    'CSeq: 1 REGISTER',
    `Contact: <sip:peer-a@${A.ip}:${A.port};user=node>`,
    'Require: dht',
    'Supported: dht',
    `DHT-NodeID: <sip:7c4a8d09ca3762af61e59520943dc26494f8941b@${A.ip}:${A.port};user=node>;algorithm=sha1;dht=Chord1.0;overlay=chat`,
    `DHT-Link: <sip:2d4a@${C.ip}:${C.port};user=node>;link=P1;expires=600`,
    `DHT-Link: <sip:9f1b@${B.ip}:${B.port};user=node>;link=S1;expires=600`,
    'Expires: 600',
  ],
};
const moved: Hand = {
  start: 'SIP/2.0 302 Moved Temporarily',
  headers: [
    `Via: SIP/2.0/UDP ${A.ip}:${A.port};branch=z9hG4bK-reg1;rport=${A.port}`,
    `To: <sip:peer-a@${B.ip}:${B.port};user=node>;tag=b1`,
    `From: <sip:peer-a@${A.ip}:${A.port};user=node>;tag=a1`,
    'Call-ID: reg-1@10.20.0.2',
    'CSeq: 1 REGISTER',
    `Contact: <sip:peer-c@${C.ip}:${C.port};user=node>`,
    `DHT-NodeID: <sip:9f1b@${B.ip}:${B.port};user=node>;algorithm=sha1;dht=Chord1.0;overlay=chat`,
  ],
};
const register2: Hand = {
  start: `REGISTER sip:${C.ip}:${C.port} SIP/2.0`,
  headers: [
    `Via: SIP/2.0/UDP ${A.ip}:${A.port};branch=z9hG4bK-reg2`,
    'Max-Forwards: 70',
    `To: <sip:peer-a@${C.ip}:${C.port};user=node>`,
    `From: <sip:peer-a@${A.ip}:${A.port};user=node>;tag=a2`,
    'Call-ID: reg-2@10.20.0.2',
    'CSeq: 2 REGISTER',
    `DHT-NodeID: <sip:7c4a@${A.ip}:${A.port};user=node>;algorithm=sha1;dht=Chord1.0;overlay=chat`,
  ],
};
const ok2: Hand = {
  start: 'SIP/2.0 200 OK',
  headers: [
    `Via: SIP/2.0/UDP ${A.ip}:${A.port};branch=z9hG4bK-reg2`,
    `To: <sip:peer-a@${C.ip}:${C.port};user=node>;tag=c1`,
    `From: <sip:peer-a@${A.ip}:${A.port};user=node>;tag=a2`,
    'Call-ID: reg-2@10.20.0.2',
    'CSeq: 2 REGISTER',
    `DHT-Link: <sip:2d4a@${C.ip}:${C.port};user=node>;link=P1`,
  ],
};
// Over TCP, larger than one segment (the writer splits it at 1400 bytes).
const message: Hand = {
  start: `MESSAGE sip:bob@${B.ip}:${B.port} SIP/2.0`,
  headers: [
    `Via: SIP/2.0/TCP ${A.ip}:${A.port};branch=z9hG4bK-msg1`,
    'Max-Forwards: 70',
    `To: <sip:bob@${B.ip}:${B.port}>`,
    `From: <sip:alice@${A.ip}:${A.port}>;tag=a3`,
    'Call-ID: msg-1@10.20.0.2',
    'CSeq: 1 MESSAGE',
    'Subject: a folded',
    '  subject line',
    'Content-Type: text/plain',
  ],
  body: 'hello, '.repeat(450),
};
// B answers, and in the same TCP segment sends a request of its own: two messages in one frame.
const ok3: Hand = {
  start: 'SIP/2.0 200 OK',
  headers: [
    `Via: SIP/2.0/TCP ${A.ip}:${A.port};branch=z9hG4bK-msg1`,
    `To: <sip:bob@${B.ip}:${B.port}>;tag=b3`,
    `From: <sip:alice@${A.ip}:${A.port}>;tag=a3`,
    'Call-ID: msg-1@10.20.0.2',
    'CSeq: 1 MESSAGE',
    'Allow: INVITE, ACK, MESSAGE, OPTIONS',
  ],
};
const options: Hand = {
  start: `OPTIONS sip:alice@${A.ip}:${A.port} SIP/2.0`,
  headers: [
    `Via: SIP/2.0/TCP ${B.ip}:${B.port};branch=z9hG4bK-opt1`,
    'Max-Forwards: 70',
    `To: <sip:alice@${A.ip}:${A.port}>`,
    `From: <sip:bob@${B.ip}:${B.port}>;tag=b4`,
    'Call-ID: opt-1@10.20.0.3',
    'CSeq: 7 OPTIONS',
  ],
};

const t0 = Date.UTC(2026, 10, 25, 12, 0, 0);
const packets: CapturePacket[] = [
  { timeMs: t0, src: A, dst: B, transport: 'udp', payload: sip(register1) },
  { timeMs: t0 + 2, src: B, dst: A, transport: 'udp', payload: sip(moved) },
  { timeMs: t0 + 4, src: A, dst: C, transport: 'udp', payload: sip(register2) },
  { timeMs: t0 + 6, src: C, dst: A, transport: 'udp', payload: sip(ok2) },
  { timeMs: t0 + 8, src: A_TCP, dst: B, transport: 'tcp', payload: sip(message) },
  {
    timeMs: t0 + 10,
    src: B,
    dst: A_TCP,
    transport: 'tcp',
    payload: new Uint8Array([...sip(ok3), ...sip(options)]),
  },
];

interface Expected {
  frame: number;
  indexInFrame: number;
  transport: 'udp' | 'tcp';
  src: string;
  srcPort: number;
  kind: 'request' | 'response';
  method?: string;
  statusCode?: number;
  hand: Hand;
}
const expected: Expected[] = [
  { frame: 1, indexInFrame: 0, transport: 'udp', src: A.ip, srcPort: A.port, kind: 'request', method: 'REGISTER', hand: register1 },
  { frame: 2, indexInFrame: 0, transport: 'udp', src: B.ip, srcPort: B.port, kind: 'response', statusCode: 302, hand: moved },
  { frame: 3, indexInFrame: 0, transport: 'udp', src: A.ip, srcPort: A.port, kind: 'request', method: 'REGISTER', hand: register2 },
  { frame: 4, indexInFrame: 0, transport: 'udp', src: C.ip, srcPort: C.port, kind: 'response', statusCode: 200, hand: ok2 },
  // The MESSAGE is split over frames 5, 6 and 7; tshark reports it in the last one.
  { frame: 7, indexInFrame: 0, transport: 'tcp', src: A.ip, srcPort: A_TCP.port, kind: 'request', method: 'MESSAGE', hand: message },
  { frame: 8, indexInFrame: 0, transport: 'tcp', src: B.ip, srcPort: B.port, kind: 'response', statusCode: 200, hand: ok3 },
  { frame: 8, indexInFrame: 1, transport: 'tcp', src: B.ip, srcPort: B.port, kind: 'request', method: 'OPTIONS', hand: options },
];

const callIdOf = (h: Hand): string => h.headers.find((l) => l.startsWith('Call-ID:'))!.slice('Call-ID:'.length).trim();
const cseqOf = (h: Hand): string => h.headers.find((l) => l.startsWith('CSeq:'))!.slice('CSeq:'.length).trim();

const TSHARK = findTshark();
if (!TSHARK) {
  console.warn(
    'SKIPPED harness/tools/tshark.test.ts (tshark cross-check): tshark is not installed ' +
      '(`which tshark` found nothing). Install it with: DEBIAN_FRONTEND=noninteractive apt-get install -y tshark tcpdump',
  );
}
const describeWithTshark = TSHARK ? describe : describe.skip;

describeWithTshark('tshark cross-check of the pcap writer', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sosimple-tshark-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports its version', async () => {
    expect(await tsharkVersion()).toMatch(/^TShark \(Wireshark\) \d+\.\d+/);
  });

  for (const format of ['pcap', 'pcapng'] as const) {
    it(`finds every SIP message of a ${format} file with its method/status, Call-ID, CSeq and header lines`, async () => {
      const file = join(dir, `trace.${format}`);
      writeFileSync(file, format === 'pcap' ? writePcap(packets) : writePcapng(packets));
      const rows = await readSipMessages(file, { ports: [A.port, B.port, C.port] });

      expect(rows.map((r) => [r.frame, r.indexInFrame])).toEqual(expected.map((e) => [e.frame, e.indexInFrame]));
      rows.forEach((row, i) => {
        const e = expected[i]!;
        expect({
          transport: row.transport,
          src: row.src,
          srcPort: row.srcPort,
          kind: row.kind,
          method: row.method,
          statusCode: row.statusCode,
          callId: row.callId,
          cseq: row.cseq,
          headerLineCount: row.headerLines.length,
        }).toEqual({
          transport: e.transport,
          src: e.src,
          srcPort: e.srcPort,
          kind: e.kind,
          method: e.method,
          statusCode: e.statusCode,
          callId: callIdOf(e.hand),
          cseq: cseqOf(e.hand),
          headerLineCount: headerLinesOf(e.hand).length,
        });
        // tshark sees exactly the header lines we wrote, in order.
        expect(row.headerLines).toEqual(headerLinesOf(e.hand));
      });

      // The DHT headers tshark does not know are still there, one field per line.
      const reg = rows[0]!;
      expect(reg.headers.filter((h) => h.name === 'DHT-Link')).toHaveLength(2);
      expect(reg.headers.find((h) => h.name === 'DHT-NodeID')?.value).toContain('algorithm=sha1');
      // The folded Subject is two lines but one field.
      const msg = rows[4]!;
      expect(msg.headers.find((h) => h.name === 'Subject')?.value).toBe('a folded subject line');
      // Timestamps survive (µs in pcap, ns in pcapng).
      expect(rows[1]!.timeNs).toBe(BigInt(t0 + 2) * 1_000_000n);
    });
  }

  it('fails with a TsharkError carrying tshark’s complaint for a missing or cut-short file', async () => {
    await expect(readSipMessages(join(dir, 'missing.pcap'))).rejects.toMatchObject({
      name: 'TsharkError',
      exitCode: 2,
      message: expect.stringMatching(/doesn't exist/),
    });
    const cut = join(dir, 'cut.pcap');
    writeFileSync(cut, writePcap(packets).subarray(0, 100));
    await expect(readSipMessages(cut)).rejects.toMatchObject({
      name: 'TsharkError',
      message: expect.stringMatching(/cut short/),
    });
  });

  it('runs tshark with stderr kept in a buffer', async () => {
    const { stderr } = await runTshark(['--version']);
    expect(typeof stderr).toBe('string');
  });
});

describe('tshark output parsing (no tshark needed)', () => {
  it('undoes \\r \\n \\t escapes', () => {
    expect(unescapeFieldValue('a\\r\\nb\\tc\\x')).toBe('a\r\nb\tc\\x');
  });

  it('passes the fields and decode-as options it promises', () => {
    const args = sipFieldArgs('/x.pcap', [5060, 5060, 25160]);
    expect(args.join(' ')).toContain('-o tcp.reassemble_out_of_order:TRUE');
    expect(args.filter((a) => a === 'udp.port==5060,sip')).toHaveLength(1);
    expect(args).toContain('tcp.port==25160,sip');
    expect(() => sipFieldArgs('/x.pcap', [0])).toThrow(RangeError);
  });

  it('rejects with TsharkNotFoundError when the tshark binary does not exist', async () => {
    await expect(readSipMessages('/x.pcap', { tsharkPath: '/nonexistent/tshark' })).rejects.toBeInstanceOf(
      TsharkNotFoundError,
    );
  });

  it('parses an empty output', () => {
    expect(parseSipFieldOutput('')).toEqual([]);
  });

  it('has an error naming the install command', () => {
    const err = new TsharkNotFoundError();
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toMatch(/apt-get install -y tshark/);
  });
});
