// Our extraction against tshark's, on captures we write and on editcap's conversions of them.
// Compared per message, in order: request or response, method or status, Call-ID, and the time
// of the packet that completed it (tshark's frame.time_epoch, to the nanosecond).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findTshark, readSipMessages } from '../tools/tshark';
import { extractSipFromFile, Extraction } from './extract';
import { concat, enc, epb, ethernet, idb, ipv4, ipv6, ipv6Fragment, pcapFile, shb, sip, sll2, tcp, udp } from './test/build';
import { sampleTrace } from './test/sample';
import { writePcap, writePcapng } from './writer';

const tshark = findTshark();
const editcap = (() => {
  try {
    return execFileSync('which', ['editcap'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || undefined;
  } catch {
    return undefined;
  }
})();
if (!tshark) console.log('tshark cross-check skipped: tshark is not installed (apt-get install -y tshark)');
const describeTshark = tshark ? describe : describe.skip;

type Row = [kind: string, what: string, callId: string, timeNs: string];

function ours(x: Extraction): Row[] {
  return x.messages.map((m) => {
    const t = m.timeNs.toString();
    if (!m.result.ok) return ['error', m.result.error.code, '', t];
    const s = m.result.message.startLine;
    return s.kind === 'request' ? ['request', s.method, m.callId ?? '', t] : ['response', String(s.status), m.callId ?? '', t];
  });
}

async function theirs(file: string): Promise<Row[]> {
  const rows = await readSipMessages(file);
  return rows.map((r) => [r.kind, r.kind === 'request' ? (r.method ?? '') : String(r.statusCode), r.callId ?? '', r.timeNs.toString()]);
}

/** A capture writer.ts never makes: TCP out of order with a retransmission, IPv4 fragments out
 *  of order, VLAN Ethernet, SLL2 and IPv6 fragments, on two pcapng interfaces. */
function handMade(): Uint8Array {
  const stream = sip({ start: 'INVITE sip:b@example.org SIP/2.0', callId: 'hand-tcp', cseq: '1 INVITE', body: 'v=0\r\n'.repeat(100) }) +
    sip({ start: 'SIP/2.0 180 Ringing', callId: 'hand-tcp', cseq: '1 INVITE' });
  const seg = (from: number, to: number, i: number) =>
    ethernet(0x0800, ipv4(tcp(40000, 25160, 1000 + from, enc(stream.slice(from, to))), { protocol: 6, id: 100 + i, src: '10.9.0.1', dst: '10.9.0.2' }), [0x8100]);
  const big = udp(5070, 5071, enc(sip({ start: 'MESSAGE sip:c@example.org SIP/2.0', callId: 'hand-frag', cseq: '3 MESSAGE', body: 'm'.repeat(1000) })));
  const frag = (from: number, to: number) => ethernet(0x0800, ipv4(big.subarray(from, Math.min(to, big.length)), { id: 77, offset: from, more: to < big.length }));
  const v6 = udp(5082, 5083, enc(sip({ start: 'OPTIONS sip:d@example.org SIP/2.0', callId: 'hand-v6', cseq: '9 OPTIONS', body: 'o'.repeat(600) })));
  const v6frag = (from: number, to: number) =>
    sll2(0x86dd, ipv6(v6.subarray(from, Math.min(to, v6.length)), { ext: [{ code: 44, bytes: ipv6Fragment(5, from, to < v6.length) }] }));
  const n = stream.length;
  const frames: [number, Uint8Array][] = [
    [0, seg(0, 200, 0)],
    [0, seg(400, n - 100, 1)],
    [0, seg(200, 400, 2)],
    [0, seg(200, 400, 3)], // retransmission
    [0, seg(n - 100, n, 4)],
    [0, frag(512, 9999)],
    [0, frag(0, 512)],
    [1, v6frag(304, 9999)],
    [1, v6frag(0, 304)],
  ];
  return concat(shb(), idb(1, { tsresol: 9 }), idb(276, { tsresol: 6 }), ...frames.map(([iface, f], i) => epb(iface, BigInt(1_764_072_000 + i) * (iface === 0 ? 1_000_000_000n : 1_000_000n), f)));
}

describeTshark('tshark agrees with our extraction', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'pcap-xcheck-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // Classic pcap holds one link type, so the two-interface file is converted to pcapng only.
  const cases: [string, () => Uint8Array, string[]?][] = [
    ['writer pcap (TCP split at 500 bytes)', () => writePcap(sampleTrace(), { tcpSegmentSize: 500 })],
    ['writer pcapng, IPv6', () => writePcapng(sampleTrace().map((p) => ({ ...p, src: { ...p.src, ip: 'fd00::a' }, dst: { ...p.dst, ip: 'fd00::b' } })))],
    ['hand-made pcapng (reordered TCP, fragments, VLAN, SLL2)', handMade, ['pcapng']],
    ['big-endian nanosecond pcap', () => pcapFile([{ timeNs: 1n, data: ipv4(udp(1, 2, enc(sip({ callId: 'be' })))) }], { littleEndian: false, nano: true })],
  ];

  it.each(cases)('%s', async (name, make, formats = ['pcapng', 'nsecpcap']) => {
    const file = join(dir, `${name.replace(/\W+/g, '-')}.cap`);
    writeFileSync(file, make());
    const files = [file];
    if (editcap) {
      for (const format of formats) {
        files.push(`${file}.${format}`);
        execFileSync(editcap, ['-F', format, file, `${file}.${format}`], { stdio: 'ignore' });
      }
    } else {
      console.log('editcap conversions skipped: editcap is not installed');
    }
    // tshark takes a second or two per file here: run them side by side.
    const expected = await Promise.all(files.map(theirs));
    expect(expected[0]!.length).toBeGreaterThan(0);
    files.forEach((f, i) => {
      expect({ file: f, rows: ours(extractSipFromFile(f)) }).toEqual({ file: f, rows: expected[i] });
    });
  });
});
