import { formatDhtLink, formatDhtNodeId, parseDhtLinks, parseDhtNodeId } from './dht-headers';
import { nodeIdOf } from './ids';

const id = nodeIdOf('10.0.0.7', 5070);

describe('DHT headers', () => {
  it('SOS-WIRE-5 DHT-NodeID round trip, port only when not 5060 (SOS-WIRE-12)', () => {
    const text = formatDhtNodeId({ id, host: '10.0.0.7', port: 5070 });
    expect(text).toBe(`rsa-sha1 ${id} 10.0.0.7:5070`);
    expect(formatDhtNodeId({ id, host: '10.0.0.7', port: 5060 })).toBe(`rsa-sha1 ${id} 10.0.0.7`);
    const p = parseDhtNodeId(text);
    expect(p).toEqual({ ok: true, value: { alg: 'rsa-sha1', node: { id, host: '10.0.0.7', port: 5070 }, upperCase: false } });
  });

  it('SOS-ID-1 upper-case IDs are accepted and flagged', () => {
    const p = parseDhtNodeId(`rsa-sha1 ${id.toUpperCase()} 10.0.0.7`);
    expect(p.ok && p.value.upperCase && p.value.node.id === id && p.value.node.port === 5060).toBe(true);
  });

  it('SOS-ERR-5 malformed DHT-NodeID values are errors', () => {
    for (const bad of ['rsa-sha1 463av4b449 10.4.1.2', `rsa-sha1 ${id}`, `rsa-sha1 ${id} 10.0.0.1:99999`, `${id} 10.0.0.1`, '']) {
      expect(parseDhtNodeId(bad).ok).toBe(false);
    }
  });

  it('SOS-WIRE-6 DHT-Link entries, merged by the sip package with commas, split back', () => {
    const p = parseDhtLinks(`P 1 rsa-sha1 ${id} 10.0.0.7:5070,S 1 rsa-sha1 ${id} 10.0.0.7:5070,s 2 rsa-sha1 ${id} 10.0.0.7:5070,F 159 rsa-sha1 ${id} 10.0.0.7:5070`);
    expect(p.ok).toBe(true);
    if (p.ok) expect(p.value.map((l) => `${l.type}${l.depth}`)).toEqual(['P1', 'S1', 'S2', 'F159']);
    if (p.ok) expect(p.value[2].node).toEqual({ id, host: '10.0.0.7', port: 5070 });
    expect(formatDhtLink({ type: 'F', depth: 3, node: { id, host: '10.0.0.7', port: 5060 } })).toBe(`F 3 rsa-sha1 ${id} 10.0.0.7`);
  });

  it('SOS-WIRE-6 bad type, depth, F > 159 and missing fields are errors; the alg is kept for a 488', () => {
    const md5 = parseDhtLinks(`S 1 md5 ${id} 10.0.0.7`);
    expect(md5.ok && md5.value[0].alg).toBe('md5');
    for (const bad of [`X 1 rsa-sha1 ${id} 10.0.0.7`, `S one rsa-sha1 ${id} 10.0.0.7`, `F 160 rsa-sha1 ${id} 10.0.0.7`, `S 1 rsa-sha1 ${id}`]) {
      expect(parseDhtLinks(bad).ok).toBe(false);
    }
  });
});
