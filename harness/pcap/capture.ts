// The shapes the capture reader returns, and its one error type.

export interface CapturedPacket {
  /** 0-based position among the packets of the file. */
  index: number;
  /** Nanoseconds since the Unix epoch (if_tsoffset applied). */
  timeNs: bigint;
  /** LINKTYPE_* of the interface the packet was captured on. */
  linkType: number;
  /** Interface index within its pcapng section (always 0 for classic pcap). */
  interfaceId: number;
  capturedLength: number;
  originalLength: number;
  data: Uint8Array;
}

export interface CaptureTruncation {
  offset: number;
  message: string;
}

export interface Capture {
  format: 'pcap' | 'pcapng';
  /** Byte order of the file (pcapng: of the first section). */
  littleEndian: boolean;
  /** Classic pcap: 'us' or 'ns'. pcapng: per interface, so 'per-interface'. */
  resolution: 'us' | 'ns' | 'per-interface';
  packets: CapturedPacket[];
  /** Set when the file ends inside a record or block. */
  truncation?: CaptureTruncation;
  /** Blocks of unknown or uninteresting types that were skipped (pcapng). */
  skippedBlocks: number;
  /** Non-fatal oddities worth showing a person. */
  warnings: string[];
}

/** The file is not a capture, or its structure contradicts itself at `offset`. */
export class PcapError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(`${message} (at byte offset ${offset})`);
    this.name = 'PcapError';
  }
}
