// Capture files: read pcap/pcapng, decode down to SIP, list messages. See reader.ts and extract.ts.
export * from './capture';
export { readCapture, readCaptureFile, PCAP_MAGIC_US, PCAP_MAGIC_NS, PCAPNG_SHB } from './reader';
export { timestampToNs } from './pcapng';
export * from './link';
export { IpDecoder, formatIPv4, formatIPv6 } from './ip';
export type { IpResult, TransportSegment } from './ip';
export { TcpReassembler } from './tcp';
export type { StreamMessage, TcpCounters, StreamEndpoints } from './tcp';
export * from './extract';
export * from './list';
export { looksLikeSip, looksLikeSipStartLine } from './sip-detect';
