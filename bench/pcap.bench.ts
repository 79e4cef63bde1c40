// Throughput of the capture reader and the SIP extraction (`npm run bench -- pcap`).
//
// The capture is built in memory with writer.ts: REGISTERs over UDP and MESSAGEs with a 2 KB
// body over TCP (split into two segments each), on 64 connections, until it holds at least
// `packets` records. Timings go to BENCHMARKS.md, never into tests.

import type { Benchmark, BenchRow } from './harness';
import { extractSip } from '../harness/pcap/extract';
import { readCapture } from '../harness/pcap/reader';
import { CapturePacket, writePcap, writePcapng } from '../harness/pcap/writer';

export interface PcapBenchResult {
  format: 'pcap' | 'pcapng';
  packets: number;
  bytes: number;
  messages: number;
  readMs: number;
  extractMs: number;
  mbPerSecond: number;
  packetsPerSecond: number;
}

function message(start: string, callId: string, cseq: string, body: string): Uint8Array {
  const text = [
    start,
    `Via: SIP/2.0/UDP 10.0.0.1:5070;branch=z9hG4bK-${callId}`,
    'From: <sip:a@example.org>;tag=1',
    'To: <sip:b@example.org>',
    `Call-ID: ${callId}`,
    `CSeq: ${cseq}`,
    'Max-Forwards: 70',
    'DHT-NodeID: <sip:12345678@10.0.0.1:5070;algorithm=sha1>;overlay=chord',
    `Content-Length: ${body.length}`,
    '',
    body,
  ].join('\r\n');
  return new TextEncoder().encode(text);
}

/** A trace of at least `minPackets` IP records (one per UDP message, two per TCP message). */
export function benchTrace(minPackets: number): CapturePacket[] {
  const body = 'x'.repeat(2000);
  const trace: CapturePacket[] = [];
  let records = 0;
  for (let i = 0; records < minPackets; i++) {
    const timeMs = 1_764_072_000_000 + i;
    if (i % 2 === 0) {
      trace.push({
        timeMs,
        src: { ip: '10.0.0.1', port: 5070 },
        dst: { ip: '10.0.0.2', port: 5071 },
        transport: 'udp',
        payload: message('REGISTER sip:example.org SIP/2.0', `u${i}`, `${i} REGISTER`, ''),
      });
      records += 1;
    } else {
      trace.push({
        timeMs,
        src: { ip: '10.0.0.3', port: 40000 + (i % 64) },
        dst: { ip: '10.0.0.4', port: 5060 },
        transport: 'tcp',
        payload: message('MESSAGE sip:b@example.org SIP/2.0', `t${i}`, `${i} MESSAGE`, body),
      });
      records += 2;
    }
  }
  return trace;
}

/** Reads and extracts `file` once; the numbers of that run. */
export function measure(format: 'pcap' | 'pcapng', file: Uint8Array): PcapBenchResult {
  const t0 = performance.now();
  const capture = readCapture(file);
  const t1 = performance.now();
  const x = extractSip(capture);
  const t2 = performance.now();
  const seconds = (t2 - t0) / 1000;
  return {
    format,
    packets: capture.packets.length,
    bytes: file.length,
    messages: x.messages.length,
    readMs: t1 - t0,
    extractMs: t2 - t1,
    mbPerSecond: file.length / 1e6 / seconds,
    packetsPerSecond: capture.packets.length / seconds,
  };
}

/** Builds a pcap and a pcapng of at least `minPackets` packets; measures each (best of `runs`). */
export function benchPcapReader(minPackets = 100_000, runs = 3): PcapBenchResult[] {
  const trace = benchTrace(minPackets);
  const files: ['pcap' | 'pcapng', Uint8Array][] = [
    ['pcap', writePcap(trace, { tcpSegmentSize: 1400 })],
    ['pcapng', writePcapng(trace, { tcpSegmentSize: 1400 })],
  ];
  return files.map(([format, file]) => {
    let best: PcapBenchResult | undefined;
    for (let r = 0; r < runs; r++) {
      const result = measure(format, file);
      if (!best || result.mbPerSecond > best.mbPerSecond) best = result;
    }
    return best!;
  });
}

export const pcapReaderBenchmark: Benchmark = {
  title: 'Capture reader + SIP extraction (harness/pcap), one core',
  run(): BenchRow[] {
    return benchPcapReader().flatMap((r) => {
      const note = `${r.packets.toLocaleString('en-US')} packets, ${(r.bytes / 1e6).toFixed(1)} MB, ${r.messages.toLocaleString('en-US')} messages`;
      return [
        { name: `${r.format}: read + extract`, value: r.mbPerSecond, unit: 'MB/s', note },
        { name: `${r.format}: read + extract`, value: r.packetsPerSecond, unit: 'packets/s' },
        { name: `${r.format}: read only`, value: r.readMs, unit: 'ms' },
      ];
    });
  },
};
