// Reads classic pcap and pcapng files into a flat list of packets (draft-ietf-opsawg-pcap,
// draft-ietf-opsawg-pcapng). Pure functions over bytes; the only I/O is readCaptureFile.
//
// What is an error and what is not:
// - Not a capture at all (bad magic), a file header cut short, or a block whose lengths
//   contradict themselves: a PcapError carrying the byte offset. Nothing else is ever thrown.
// - A final record or block cut short (a capture killed mid-write): the packets before it are
//   kept and `truncation` says where the cut is. Downstream this is a counted skip.
// - Snaplen-cut packets (capturedLength < originalLength) are returned as they are; the
//   extractor counts and skips them.
//
// Every loop advances by at least one header (16 bytes for pcap, 12 for pcapng), so no input
// can make the reader loop forever.

import { readFileSync } from 'node:fs';
import { Capture, CapturedPacket, PcapError } from './capture';
import { readPcapng } from './pcapng';

export { PcapError } from './capture';
export type { Capture, CapturedPacket, CaptureTruncation } from './capture';

export const PCAP_MAGIC_US = 0xa1b2c3d4;
export const PCAP_MAGIC_NS = 0xa1b23c4d;
export const PCAPNG_SHB = 0x0a0d0d0a;
const PCAP_FILE_HEADER = 24;
const PCAP_RECORD_HEADER = 16;

function hex32(n: number): string {
  return `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
}

/** Reads a pcap or pcapng file. Throws PcapError (only) when it is not one or is inconsistent. */
export function readCapture(bytes: Uint8Array): Capture {
  if (bytes.length < 4) {
    throw new PcapError(`not a pcap or pcapng file (only ${bytes.length} bytes, no magic number)`, 0);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  if (magic === PCAPNG_SHB) return readPcapng(bytes);
  const le = view.getUint32(0, true);
  if (le === PCAP_MAGIC_US || le === PCAP_MAGIC_NS) return readClassic(bytes, view, true, le === PCAP_MAGIC_NS);
  if (magic === PCAP_MAGIC_US || magic === PCAP_MAGIC_NS) return readClassic(bytes, view, false, magic === PCAP_MAGIC_NS);
  throw new PcapError(`not a pcap or pcapng file (magic ${hex32(magic)})`, 0);
}

/** Reads a capture file from disk. File-system errors propagate as they are (ENOENT…). */
export function readCaptureFile(path: string): Capture {
  const file = readFileSync(path);
  return readCapture(new Uint8Array(file.buffer, file.byteOffset, file.byteLength));
}

function readClassic(bytes: Uint8Array, view: DataView, le: boolean, nano: boolean): Capture {
  if (bytes.length < PCAP_FILE_HEADER) {
    throw new PcapError(`truncated pcap file header: ${bytes.length} of ${PCAP_FILE_HEADER} bytes`, 0);
  }
  const major = view.getUint16(4, le);
  const warnings: string[] = [];
  if (major !== 2) warnings.push(`unusual pcap version ${major}.${view.getUint16(6, le)}`);
  // The upper bits of the LinkType field carry FCS information, not the link type.
  const linkType = view.getUint32(20, le) & 0xffff;
  const packets: CapturedPacket[] = [];
  const capture: Capture = { format: 'pcap', littleEndian: le, resolution: nano ? 'ns' : 'us', packets, skippedBlocks: 0, warnings };
  const fractionNs = nano ? 1n : 1000n;
  let offset = PCAP_FILE_HEADER;
  while (offset < bytes.length) {
    if (offset + PCAP_RECORD_HEADER > bytes.length) {
      capture.truncation = { offset, message: `record header cut short: ${bytes.length - offset} of ${PCAP_RECORD_HEADER} bytes` };
      break;
    }
    const seconds = view.getUint32(offset, le);
    const fraction = view.getUint32(offset + 4, le);
    const capturedLength = view.getUint32(offset + 8, le);
    const originalLength = view.getUint32(offset + 12, le);
    if (capturedLength > originalLength) {
      throw new PcapError(`record ${packets.length} captures ${capturedLength} bytes of a ${originalLength}-byte packet`, offset);
    }
    const dataStart = offset + PCAP_RECORD_HEADER;
    if (dataStart + capturedLength > bytes.length) {
      capture.truncation = {
        offset,
        message: `record ${packets.length} cut short: ${bytes.length - dataStart} of ${capturedLength} bytes`,
      };
      break;
    }
    packets.push({
      index: packets.length,
      timeNs: BigInt(seconds) * 1_000_000_000n + BigInt(fraction) * fractionNs,
      linkType,
      interfaceId: 0,
      capturedLength,
      originalLength,
      data: bytes.subarray(dataStart, dataStart + capturedLength),
    });
    offset = dataStart + capturedLength;
  }
  return capture;
}
