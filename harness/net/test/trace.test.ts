import { nodeRegister } from '../../sip/craft';
import { formatTime, Trace } from '../trace';

const A = { host: '127.0.0.2', port: 20001 };
const B = { host: '127.0.0.3', port: 20002 };

/** A clock that starts at a known instant and advances 1.5 ms per reading. */
function steppingClock(startNs: bigint): () => bigint {
  let t = startNs - 1_500_000n;
  return () => (t += 1_500_000n);
}

describe('Trace', () => {
  const start = 1_764_072_608_123_456_789n; // 2025-11-25T12:10:08.123456789Z
  const trace = new Trace({ now: steppingClock(start) });
  const register = nodeRegister(A, B, { callId: 'trace@x' }).build();
  trace.record({ node: 'A', direction: 'out', transport: 'udp', local: A, remote: B, bytes: register });
  trace.record({ node: 'B', direction: 'in', transport: 'udp', local: B, remote: A, bytes: register });
  trace.record({ node: 'A', direction: 'in', transport: 'tcp', local: { host: A.host, port: 41000 }, remote: B, bytes: Buffer.from('SIP/2.0 2000 OK\r\nContent-Length: 0\r\n\r\n') });

  it('numbers and stamps entries in order, with the verdict of the codec', () => {
    expect(trace.entries.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(trace.entries.map((e) => e.timeNs - start)).toEqual([0n, 1_500_000n, 3_000_000n]);
    expect(trace.entries[0]!.parsed.ok).toBe(true);
    expect(trace.entries[2]!.parsed.ok).toBe(false);
  });

  it('dumps one readable block per message: time, src -> dst, start line, headers, parse errors', () => {
    expect(formatTime(start)).toBe('2025-11-25T12:10:08.123456789Z');
    const text = trace.toText();
    const blocks = text.split('\n#');
    expect(blocks).toHaveLength(3);
    expect(text).toMatch(/^#1 2025-11-25T12:10:08\.123456789Z \(\+0\.000 ms\) A out UDP 127\.0\.0\.2:20001 -> 127\.0\.0\.3:20002\nREGISTER sip:127\.0\.0\.3:20002 SIP\/2\.0\nVia: SIP\/2\.0\/UDP 127\.0\.0\.2:20001;/);
    expect(blocks[1]).toMatch(/^2 .* \(\+1\.500 ms\) B in UDP 127\.0\.0\.2:20001 -> 127\.0\.0\.3:20002\n/);
    expect(blocks[1]).toContain('Call-ID: trace@x');
    expect(blocks[2]).toMatch(/A in TCP 127\.0\.0\.3:20002 -> 127\.0\.0\.2:41000\n! parse error bad-status-code at 1:9: /);
    expect(blocks[2]).toContain('SIP/2.0 2000 OK');
  });

  it('writes a pcap with one record per message, src and dst following the direction', () => {
    const pcap = trace.toPcap();
    const v = new DataView(pcap.buffer, pcap.byteOffset, pcap.byteLength);
    expect(v.getUint32(0, true)).toBe(0xa1b2c3d4);
    const records: { sec: number; usec: number; data: Uint8Array }[] = [];
    for (let off = 24; off < pcap.length; ) {
      const caplen = v.getUint32(off + 8, true);
      records.push({ sec: v.getUint32(off, true), usec: v.getUint32(off + 4, true), data: pcap.subarray(off + 16, off + 16 + caplen) });
      off += 16 + caplen;
    }
    expect(records).toHaveLength(3);
    expect(records[0]!.sec).toBe(Number(start / 1_000_000_000n));
    expect(records[1]!.usec - records[0]!.usec).toBe(1500);
    // IPv4 header: source at 12, destination at 16; UDP header after 20 bytes.
    const ip = (d: Uint8Array, at: number): string => [...d.subarray(at, at + 4)].join('.');
    expect([ip(records[0]!.data, 12), ip(records[0]!.data, 16)]).toEqual(['127.0.0.2', '127.0.0.3']);
    expect([ip(records[1]!.data, 12), ip(records[1]!.data, 16)]).toEqual(['127.0.0.2', '127.0.0.3']);
    expect(records[0]!.data.length).toBe(20 + 8 + register.length);
    expect(records[2]!.data[9]).toBe(6); // TCP
  });

  it('writes pcapng beginning with a section header block', () => {
    const ng = trace.toPcapng();
    expect(new DataView(ng.buffer, ng.byteOffset).getUint32(0, true)).toBe(0x0a0d0d0a);
    const payloads = trace.entries.reduce((n, e) => n + e.bytes.length, 0);
    expect(ng.length).toBeGreaterThan(payloads + 3 * 20);
  });
});
