// The pure helpers of the robustness and interop suites (suites/support): which hostile
// inputs must get a 400 (SOS-ERR-1), how fixtures are pointed at the harness, the fuzzer's
// determinism, and the alternating placement of two implementations on a ring.

import { join } from 'node:path';
import { nodeIdOf } from '../harness/overlay/id';
import { nodeQuery } from '../harness/sip/craft';
import { loadTortureFixtures } from '../harness/sip/torture';
import { fuzzCases, MAX_FUZZ_BYTES, mutate } from '../suites/support/fuzz';
import { expectationFor, marker, retarget } from '../suites/support/hostile-input';
import { alternatingSides } from '../suites/support/mixed-ring';

const fixtures = new Map(loadTortureFixtures(join(__dirname, '..', 'fixtures', 'torture')).map((f) => [f.path.split(/[\\/]torture[\\/]/)[1]!.replace(/\.sip$/, ''), f]));
const fixture = (name: string) => {
  const f = fixtures.get(name);
  if (!f) throw new Error(`no torture fixture ${name}`);
  return f.bytes;
};
const harness = { host: '127.0.0.1', port: 40000 };

describe('SOS-ERR-1 which requests must get 400', () => {
  it.each([
    ['invalid/missing-call-id', 'udp', true],
    ['invalid/header-without-colon', 'udp', true],
    ['invalid/nul-in-header', 'udp', true],
    ['invalid/content-length-too-big-udp', 'udp', true],
    ['invalid/no-empty-line', 'udp', true],
    ['invalid/tcp-without-content-length', 'tcp', true],
    // RFC 3261 §16.3 lets a request without Max-Forwards pass.
    ['invalid/missing-max-forwards', 'udp', false],
    // No Via a response could follow.
    ['invalid/missing-via', 'udp', false],
    // The request line itself is broken, or it is a response.
    ['invalid/request-line-double-space', 'udp', false],
    ['invalid/status-code-700', 'udp', false],
    // RFC 3261 §18.3: on UDP, bytes beyond Content-Length are discarded.
    ['invalid/content-length-too-small-udp', 'udp', false],
    // On a stream, a header section that has not ended yet is unfinished, not broken.
    ['invalid/no-empty-line', 'tcp', false],
    ['valid/folded-headers', 'udp', false],
  ] as const)('%s over %s: 400 due = %s', (name, transport, due) => {
    expect(expectationFor(retarget(fixture(name), harness, 1), transport).expect400).toBe(due);
  });
});

describe('pointing fixtures at the harness', () => {
  it('replaces every IPv4 address of the header section, marks branch and Call-ID, and leaves the body alone', () => {
    const original = Buffer.from(fixture('valid/invite-with-sdp')).toString('latin1');
    const out = Buffer.from(retarget(fixture('valid/invite-with-sdp'), harness, 7)).toString('latin1');
    const [head, body] = out.split('\r\n\r\n');
    expect(head).not.toMatch(/10\.0\.0\.\d/);
    expect(head).toContain(`branch=z9hG4bK`);
    expect(head!.match(new RegExp(marker(7).replace(/\./g, '\\.'), 'g'))!.length).toBeGreaterThanOrEqual(2);
    expect(body).toBe(original.split('\r\n\r\n').slice(1).join('\r\n\r\n'));
  });

  it('with addresses: false, only adds the markers', () => {
    const q = nodeQuery(harness, { host: '127.0.0.9', port: 5060 }, nodeIdOf('127.0.0.9', 5060), { branch: 'z9hG4bK-x', callId: 'c@h' }).build();
    const out = Buffer.from(retarget(q, { host: '10.9.9.9', port: 1 }, 3, { addresses: false })).toString('latin1');
    expect(out).toContain('127.0.0.9');
    expect(out).not.toContain('10.9.9.9');
    expect(out).toContain('branch=z9hG4bK-x.q3q');
    expect(out).toContain('Call-ID: c@h.q3q');
  });
});

describe('fuzzed requests', () => {
  const base = nodeQuery(harness, { host: '127.0.0.9', port: 5060 }, nodeIdOf('127.0.0.9', 5060), { branch: 'z9hG4bK-x', callId: 'c@h', tag: 't' }).build();

  it('are the same for the same seed and differ for another', () => {
    expect(fuzzCases(42, 30, 3)).toEqual(fuzzCases(42, 30, 3));
    expect(fuzzCases(43, 30, 3)).not.toEqual(fuzzCases(42, 30, 3));
  });

  it('always fit one UDP datagram, a duplicated padding header included', () => {
    for (const c of fuzzCases(7, 300, 1)) {
      const m = mutate(base, c.mutations);
      expect(m.length).toBeLessThanOrEqual(MAX_FUZZ_BYTES);
    }
    expect(mutate(base, [{ kind: 'huge-header', size: 60_000 }, { kind: 'duplicate-header', index: 3 }]).length).toBeLessThanOrEqual(MAX_FUZZ_BYTES);
  });
});

describe('two implementations alternating in ring order', () => {
  it('places A and B so that every node\'s successor runs the other one', () => {
    const hosts = ['127.9.0.2', '127.9.0.3', '127.9.0.4', '127.9.0.5', '127.9.0.6', '127.9.0.7'];
    const isB = alternatingSides(hosts.length, (i) => nodeIdOf(hosts[i]!, 5060));
    const ring = hosts.map((h, i) => ({ id: nodeIdOf(h, 5060), b: isB[i]! })).sort((x, y) => (x.id < y.id ? -1 : 1));
    expect(isB.filter(Boolean).length).toBe(3);
    expect(ring.every((n, i) => n.b !== ring[(i + 1) % ring.length]!.b)).toBe(true);
  });
});
