import { benchPcapReader, benchTrace } from './pcap.bench';

describe('benchPcapReader (smoke, small)', () => {
  it('reads back every packet and message it wrote', () => {
    const trace = benchTrace(300);
    const results = benchPcapReader(300, 1);
    for (const r of results) {
      expect(r.packets).toBeGreaterThanOrEqual(300);
      expect(r.messages).toBe(trace.length);
      expect(r.mbPerSecond).toBeGreaterThan(0);
    }
  });
});
