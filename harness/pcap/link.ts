// Link layers: from a captured frame to the IP datagram it carries.
// LINKTYPE values from tcpdump's list (https://www.tcpdump.org/linktypes.html).

export const LINKTYPE_NULL = 0;
export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_RAW_12 = 12; // DLT_RAW on some BSDs
export const LINKTYPE_RAW_14 = 14; // DLT_RAW on OpenBSD
export const LINKTYPE_RAW = 101;
export const LINKTYPE_LOOP = 108;
export const LINKTYPE_LINUX_SLL = 113;
export const LINKTYPE_IPV4 = 228;
export const LINKTYPE_IPV6 = 229;
export const LINKTYPE_LINUX_SLL2 = 276; // what `tcpdump -i any` writes on current Linux

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_IPV6 = 0x86dd;
const ETHERTYPE_VLAN = 0x8100; // 802.1Q
const ETHERTYPE_QINQ = 0x88a8; // 802.1ad
const ETHERTYPE_QINQ_OLD = 0x9100; // pre-standard stacked tags

export type LinkResult =
  | { ok: true; family: 4 | 6; datagram: Uint8Array }
  | { ok: false; reason: 'unknown-link-type' | 'non-ip' | 'link-truncated' };

const be16 = (d: Uint8Array, at: number): number => (d[at]! << 8) | d[at + 1]!;

function byEtherType(etherType: number, data: Uint8Array, at: number): LinkResult {
  if (at > data.length) return { ok: false, reason: 'link-truncated' };
  if (etherType === ETHERTYPE_IPV4) return { ok: true, family: 4, datagram: data.subarray(at) };
  if (etherType === ETHERTYPE_IPV6) return { ok: true, family: 6, datagram: data.subarray(at) };
  return { ok: false, reason: 'non-ip' };
}

/** Raw IP: the version nibble says which. */
function byVersion(data: Uint8Array, at: number): LinkResult {
  if (at >= data.length) return { ok: false, reason: 'link-truncated' };
  const version = data[at]! >> 4;
  if (version === 4) return { ok: true, family: 4, datagram: data.subarray(at) };
  if (version === 6) return { ok: true, family: 6, datagram: data.subarray(at) };
  return { ok: false, reason: 'non-ip' };
}

function ethernet(data: Uint8Array): LinkResult {
  let at = 12;
  if (data.length < at + 2) return { ok: false, reason: 'link-truncated' };
  let etherType = be16(data, at);
  // VLAN tags may be stacked (Q-in-Q); each is 4 bytes: TPID then TCI.
  while (etherType === ETHERTYPE_VLAN || etherType === ETHERTYPE_QINQ || etherType === ETHERTYPE_QINQ_OLD) {
    at += 4;
    if (data.length < at + 2) return { ok: false, reason: 'link-truncated' };
    etherType = be16(data, at);
  }
  return byEtherType(etherType, data, at + 2);
}

/** BSD loopback: a 4-byte address family in the capturing host's byte order (NULL) or big-endian (LOOP). */
function loopback(data: Uint8Array, bigEndianOnly: boolean): LinkResult {
  if (data.length < 4) return { ok: false, reason: 'link-truncated' };
  const be = ((data[0]! << 24) | (data[1]! << 16) | (data[2]! << 8) | data[3]!) >>> 0;
  const le = ((data[3]! << 24) | (data[2]! << 16) | (data[1]! << 8) | data[0]!) >>> 0;
  const families = bigEndianOnly ? [be] : [be, le];
  // AF_INET is 2 everywhere; AF_INET6 is 24 (NetBSD/OpenBSD), 28 (FreeBSD), 30 (macOS), 10 (Linux).
  if (families.includes(2)) return byEtherType(ETHERTYPE_IPV4, data, 4);
  if (families.some((f) => f === 24 || f === 28 || f === 30 || f === 10)) return byEtherType(ETHERTYPE_IPV6, data, 4);
  return { ok: false, reason: 'non-ip' };
}

/** Strips the link-layer header of a frame captured with `linkType`. */
export function decodeLink(linkType: number, data: Uint8Array): LinkResult {
  switch (linkType) {
    case LINKTYPE_ETHERNET:
      return ethernet(data);
    case LINKTYPE_LINUX_SLL:
      // 16 bytes: packet type, ARPHRD, address length, 8 address bytes, protocol.
      if (data.length < 16) return { ok: false, reason: 'link-truncated' };
      return byEtherType(be16(data, 14), data, 16);
    case LINKTYPE_LINUX_SLL2:
      // 20 bytes: protocol first, then reserved, ifindex, ARPHRD, packet type, address length, address.
      if (data.length < 20) return { ok: false, reason: 'link-truncated' };
      return byEtherType(be16(data, 0), data, 20);
    case LINKTYPE_RAW:
    case LINKTYPE_RAW_12:
    case LINKTYPE_RAW_14:
      return byVersion(data, 0);
    case LINKTYPE_IPV4:
      return byEtherType(ETHERTYPE_IPV4, data, 0);
    case LINKTYPE_IPV6:
      return byEtherType(ETHERTYPE_IPV6, data, 0);
    case LINKTYPE_NULL:
      return loopback(data, false);
    case LINKTYPE_LOOP:
      return loopback(data, true);
    default:
      return { ok: false, reason: 'unknown-link-type' };
  }
}
