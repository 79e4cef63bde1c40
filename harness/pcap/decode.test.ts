// Link layers and IP, end to end through extractSip: each case builds the frames by hand.
import { extractSipFromBytes } from './extract';
import { formatIPv6 } from './ip';
import { concat, enc, epb, ethernet, idb, ipv4, ipv6, ipv6Fragment, ipv6Options, pcapFile, shb, sip, sll, sll2, udp } from './test/build';
import { parseIPv6 } from './writer';

const msg = enc(sip());
const datagram4 = ipv4(udp(5070, 5071, msg));
const datagram6 = ipv6(udp(5070, 5071, msg));

function messagesOf(linkType: number, frames: Uint8Array[]) {
  return extractSipFromBytes(pcapFile(frames.map((data) => ({ data })), { linkType }));
}

describe('link layers', () => {
  const beFamily = (n: number): Uint8Array => Uint8Array.of(0, 0, 0, n);
  const leFamily = (n: number): Uint8Array => Uint8Array.of(n, 0, 0, 0);
  it.each([
    ['Ethernet', 1, ethernet(0x0800, datagram4)],
    ['Ethernet with 802.1Q', 1, ethernet(0x0800, datagram4, [0x8100])],
    ['Ethernet IPv6 under stacked 802.1ad + 802.1Q tags', 1, ethernet(0x86dd, datagram6, [0x88a8, 0x8100])],
    ['Linux SLL', 113, sll(0x0800, datagram4)],
    ['Linux SLL2', 276, sll2(0x86dd, datagram6)],
    ['RAW 101', 101, datagram6],
    ['RAW 12', 12, datagram4],
    ['RAW 14', 14, datagram4],
    ['IPv4 228', 228, datagram4],
    ['IPv6 229', 229, datagram6],
    ['NULL, little-endian AF_INET', 0, concat(leFamily(2), datagram4)],
    ['NULL, big-endian AF_INET6 (macOS 30)', 0, concat(beFamily(30), datagram6)],
    ['LOOP, AF_INET6 28', 108, concat(beFamily(28), datagram6)],
  ])('%s', (_name, linkType, frame) => {
    const x = messagesOf(linkType, [frame]);
    expect(x.messages).toHaveLength(1);
    expect(x.messages[0]!.result.ok).toBe(true);
    expect(x.messages[0]!.startLine).toBe('REGISTER sip:example.org SIP/2.0');
    expect(x.messages[0]!.src.port).toBe(5070);
  });

  it('counts what is not IP, not decodable, or cut short', () => {
    const x = messagesOf(1, [ethernet(0x0806, new Uint8Array(28)), ethernet(0x0800, new Uint8Array(5)), new Uint8Array(6)]);
    expect(x.summary.skipped).toMatchObject({ nonIp: 1, ipTruncated: 1, linkTruncated: 1 });
    expect(messagesOf(147, [datagram4]).summary.skipped.unknownLinkType).toBe(1);
    expect(messagesOf(0, [concat(leFamily(7), datagram4)]).summary.skipped.nonIp).toBe(1);
  });

  it('Ethernet padding after a short datagram is ignored (IPv4 total length wins)', () => {
    const x = messagesOf(1, [concat(ethernet(0x0800, datagram4), new Uint8Array(6))]);
    expect(x.messages[0]!.result.ok).toBe(true);
  });
});

describe('IPv4', () => {
  it('header options are skipped by the header length', () => {
    const x = messagesOf(101, [ipv4(udp(1, 2, msg), { options: Uint8Array.of(1, 1, 1, 0) })]);
    expect(x.messages[0]!.result.ok).toBe(true);
  });

  it('fragments are reassembled in any order; interleaved datagrams stay apart', () => {
    const l4a = udp(5070, 5071, enc(sip({ callId: 'frag-a', body: 'x'.repeat(300) })));
    const l4b = udp(5070, 5071, enc(sip({ callId: 'frag-b', body: 'y'.repeat(300) })));
    const frag = (l4: Uint8Array, id: number, from: number, to: number) =>
      ipv4(l4.subarray(from, Math.min(to, l4.length)), { id, offset: from, more: to < l4.length });
    const frames = [frag(l4a, 7, 400, 9999), frag(l4b, 8, 200, 400), frag(l4a, 7, 0, 200), frag(l4b, 8, 0, 200), frag(l4a, 7, 200, 400), frag(l4b, 8, 400, 9999)];
    const x = messagesOf(101, frames);
    expect(x.messages.map((m) => [m.callId, m.packetIndex])).toEqual([
      ['frag-a', 4],
      ['frag-b', 5],
    ]);
    expect(x.summary.skipped.incompleteFragments).toBe(0);
  });

  it('a datagram missing a fragment is dropped and counted', () => {
    const l4 = udp(5070, 5071, enc(sip({ body: 'z'.repeat(100) })));
    const x = messagesOf(101, [ipv4(l4.subarray(0, 64), { id: 3, more: true }), ipv4(l4.subarray(128), { id: 3, offset: 128 })]);
    expect(x.messages).toHaveLength(0);
    expect(x.summary.skipped.incompleteFragments).toBe(1);
  });

  it('a total length of 0 (TCP segmentation offload) means "what was captured"', () => {
    const d = ipv4(udp(1, 2, msg));
    d[2] = 0;
    d[3] = 0;
    expect(messagesOf(101, [d]).messages).toHaveLength(1);
  });

  it('other protocols are counted', () => {
    expect(messagesOf(101, [ipv4(new Uint8Array(8), { protocol: 1 })]).summary.skipped.nonUdpTcp).toBe(1);
  });
});

describe('IPv6', () => {
  it('walks hop-by-hop, routing and destination options headers', () => {
    const frame = ipv6(udp(1, 2, msg), {
      ext: [
        { code: 0, bytes: ipv6Options() },
        { code: 43, bytes: Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0) },
        { code: 60, bytes: ipv6Options() },
      ],
    });
    const x = messagesOf(101, [frame]);
    expect(x.messages[0]!.result.ok).toBe(true);
    expect(x.messages[0]!.src.ip).toBe('fd00::1');
  });

  it('reassembles Fragment (44) headers out of order, with options before and inside', () => {
    // The fragmentable part starts with a destination options header, then UDP.
    const fragmentable = concat(Uint8Array.of(17, 0, 1, 4, 0, 0, 0, 0), udp(5070, 5071, enc(sip({ body: 'q'.repeat(200) }))));
    const piece = (from: number, to: number) =>
      ipv6(fragmentable.subarray(from, Math.min(to, fragmentable.length)), {
        protocol: 60, // set by the last ext header: what the fragment header names
        ext: [
          { code: 0, bytes: ipv6Options() },
          { code: 44, bytes: ipv6Fragment(0xdead, from, to < fragmentable.length) },
        ],
      });
    const x = messagesOf(101, [piece(160, 9999), piece(0, 80), piece(80, 160)]);
    expect(x.messages).toHaveLength(1);
    expect(x.messages[0]!.result.ok).toBe(true);
    expect(x.messages[0]!.packetIndex).toBe(2);
  });

  it('formats addresses per RFC 5952', () => {
    const f = (s: string): string => formatIPv6(parseIPv6(s), 0);
    expect(f('fd00:0:0:0:0:0:0:1')).toBe('fd00::1');
    expect(f('2001:db8:0:1:0:0:0:1')).toBe('2001:db8:0:1::1');
    expect(f('2001:db8:0:1:1:1:1:1')).toBe('2001:db8:0:1:1:1:1:1');
    expect(f('::')).toBe('::');
    expect(f('1::')).toBe('1::');
  });
});

describe('pcapng with two interfaces of different link types', () => {
  it('decodes each packet with its own interface link type and resolution', () => {
    const file = concat(shb(), idb(1, { tsresol: 3 }), idb(276, { tsresol: 9 }), epb(0, 1000n, ethernet(0x0800, datagram4)), epb(1, 2_000_000_000n, sll2(0x0800, datagram4)));
    const x = extractSipFromBytes(file);
    expect(x.messages.map((m) => m.timeNs)).toEqual([1_000_000_000n, 2_000_000_000n]);
  });
});
