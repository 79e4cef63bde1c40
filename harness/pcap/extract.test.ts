import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extractSip, extractSipFromBytes, PcapError } from './extract';
import { formatPcapTable, isoTimeNs, listMessages, pcapList } from './list';
import { readCapture } from './reader';
import { enc, ipv4, pcapFile, sip, udp } from './test/build';
import { A, sampleTrace, T0 } from './test/sample';
import { writePcap, writePcapng } from './writer';

describe('extractSip over writer.ts captures', () => {
  it.each([
    ['pcap', writePcap],
    ['pcapng', writePcapng],
  ])('%s: messages, transactions, dialogs', (_name, write) => {
    const x = extractSipFromBytes(write(sampleTrace(), { tcpSegmentSize: 700 }));
    expect(x.messages.map((m) => [m.transport, m.startLine, m.callId, m.cseq])).toEqual([
      ['udp', 'REGISTER sip:example.org SIP/2.0', 'reg-1', '1 REGISTER'],
      ['udp', 'SIP/2.0 302 Moved Temporarily', 'reg-1', '1 REGISTER'],
      ['tcp', 'MESSAGE sip:b@example.org SIP/2.0', 'msg-1', '5 MESSAGE'],
      ['tcp', 'REGISTER sip:example.org SIP/2.0', 'reg-1', '1 REGISTER'],
      ['tcp', 'SIP/2.0 200 OK', 'msg-1', '5 MESSAGE'],
    ]);
    expect(x.messages.every((m) => m.result.ok)).toBe(true);
    expect(x.messages[1]!.timeNs).toBe(BigInt(T0) * 1_000_000n + 1_500_000n);
    expect(x.messages[2]!.src).toEqual(A);
    expect(x.transactions.map((t) => [t.key, t.messages])).toEqual([
      ['z9hG4bK-r1 REGISTER', [0, 1, 3]],
      ['z9hG4bK-m1 MESSAGE', [2, 4]],
    ]);
    expect(x.dialogs.map((d) => [d.callId, d.messages, d.transactionKeys])).toEqual([
      ['reg-1', [0, 1, 3], ['z9hG4bK-r1 REGISTER']],
      ['msg-1', [2, 4], ['z9hG4bK-m1 MESSAGE']],
    ]);
    expect(x.summary).toMatchObject({ sipMessages: 5, parseErrors: 0, udpMessages: 2, tcpMessages: 3, transactions: 2, dialogs: 2 });
  });

  it('IPv6 endpoints', () => {
    const x = extractSipFromBytes(writePcapng(sampleTrace().map((p) => ({ ...p, src: { ...p.src, ip: `fd00::${p.src.port.toString(16)}` }, dst: { ...p.dst, ip: `fd00::${p.dst.port.toString(16)}` } }))));
    expect(x.messages).toHaveLength(5);
    expect(listMessages(x)[0]!.src).toBe('[fd00::13ce]:5070');
  });
});

describe('skips and errors are counted, never thrown', () => {
  it('snaplen-cut packets, non-SIP UDP, keep-alives, a datagram that looks like SIP but does not parse', () => {
    const full = ipv4(udp(1, 2, enc(sip())));
    const file = pcapFile([
      { data: full.subarray(0, 60), originalLength: full.length },
      { data: ipv4(udp(53, 53, enc('\x12\x34 DNS-ish'))) },
      { data: ipv4(udp(1, 2, enc('\r\n\r\n'))) },
      { data: ipv4(udp(1, 2, enc('OPTIONS sip:x SIP/2.0\r\nVia SIP/2.0/UDP h\r\n\r\n'))) },
      { data: ipv4(udp(1, 2, enc(sip())).subarray(0, 24)) },
      { data: ipv4(udp(1, 2, enc(sip()))).subarray(0, 30) },
    ]);
    const x = extractSipFromBytes(file);
    expect(x.summary.skipped).toMatchObject({ snaplenCut: 1, udpNotSip: 1, udpKeepAlives: 1, udpMalformed: 1, ipTruncated: 1 });
    expect(x.messages).toHaveLength(1);
    expect(x.messages[0]!.result.ok).toBe(false);
    expect(x.messages[0]!.startLine).toBe('OPTIONS sip:x SIP/2.0');
    const listed = listMessages(x)[0]!;
    expect(listed.error).toMatch(/^bad-header-line/);
  });

  it('a truncated file keeps the messages before the cut and reports it in the summary', () => {
    const file = writePcap(sampleTrace());
    const x = extractSip(readCapture(file.subarray(0, file.length - 10)));
    expect(x.summary.truncation).toMatch(/cut short.*at byte offset/);
    expect(x.summary.sipMessages).toBeGreaterThanOrEqual(3);
  });

  it('UDP on any port is recognised by its start line, not the port', () => {
    const file = pcapFile([{ data: ipv4(udp(40001, 40002, enc(sip()))) }]);
    expect(extractSipFromBytes(file).messages).toHaveLength(1);
  });
});

describe('pcap ls', () => {
  it('lists JSON-able entries and formats a table', () => {
    const entries = listMessages(extractSipFromBytes(writePcapng(sampleTrace())));
    expect(JSON.parse(JSON.stringify(entries))).toEqual(entries);
    expect(entries[1]).toEqual({
      time: '2025-11-25T12:00:00.001500000Z',
      timeNs: '1764072000001500000',
      src: '10.1.0.3:25160',
      dst: '10.1.0.2:5070',
      transport: 'udp',
      startLine: 'SIP/2.0 302 Moved Temporarily',
      callId: 'reg-1',
      cseq: '1 REGISTER',
      error: null,
    });
    const table = formatPcapTable(entries).split('\n');
    expect(table[0]).toMatch(/^#\s+TIME\s+TRANSPORT\s+SRC\s+DST\s+START LINE\s+CALL-ID\s+CSEQ$/);
    expect(table[3]).toContain('MESSAGE sip:b@example.org SIP/2.0');
    expect(table).toHaveLength(entries.length + 2);
  });

  it('ISO time keeps nanoseconds', () => {
    expect(isoTimeNs(1_000_000_000_123_456_789n)).toBe('2001-09-09T01:46:40.123456789Z');
  });
});

describe('pcapList (reads the file)', () => {
  it('lists a capture file, and a missing file is the file system error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pcap-ls-'));
    try {
      const file = join(dir, 'trace.pcap');
      writeFileSync(file, writePcap(sampleTrace()));
      expect(pcapList(file).map((e) => e.startLine.split(' ')[0])).toEqual(['REGISTER', 'SIP/2.0', 'MESSAGE', 'REGISTER', 'SIP/2.0']);
      expect(() => pcapList(join(dir, 'absent.pcap'))).toThrow(/ENOENT/);
      writeFileSync(join(dir, 'empty.pcap'), new Uint8Array(0));
      expect(() => pcapList(join(dir, 'empty.pcap'))).toThrow(PcapError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
