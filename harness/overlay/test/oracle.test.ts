// The oracle against brute force on random rings (SOS-ID-4, SOS-ID-5, SOS-RING-3, SOS-JOIN-2/4).
import fc from 'fast-check';
import { RingOracle } from '../oracle';
import { bigIntToId, distance, fingerStart, idToBigInt, inHalfOpen, RING_SIZE } from '../ring';
import { nodeIdOf, resourceIdOf, idProblem } from '../id';

const id = fc.bigInt({ min: 0n, max: RING_SIZE - 1n }).map(bigIntToId);
// Rings with IDs clustered near 0 and near the top too, so wrap-around is exercised.
const edgeId = fc.oneof(id, fc.bigInt({ min: 0n, max: 1000n }).map(bigIntToId), fc.bigInt({ min: RING_SIZE - 1000n, max: RING_SIZE - 1n }).map(bigIntToId));
const ring = fc.uniqueArray(edgeId, { minLength: 1, maxLength: 40 });

/** Brute force: the first node clockwise from key (inclusive), by scanning distances. */
function bruteResponsible(ids: string[], key: string): string {
  const k = idToBigInt(key);
  return ids.reduce((best, n) => (distance(k, idToBigInt(n)) < distance(k, idToBigInt(best)) ? n : best));
}

describe('ring oracle', () => {
  it('names the responsible node as brute force does, with wrap-around', () => {
    fc.assert(fc.property(ring, edgeId, (ids, key) => {
      expect(new RingOracle(ids).responsibleNode(key)).toBe(bruteResponsible(ids, key));
    }), { numRuns: 500 });
  });

  it('gives successors, predecessors and fingers by their definitions', () => {
    fc.assert(fc.property(ring, fc.nat(159), (ids, i) => {
      const o = new RingOracle(ids);
      for (const n of ids) {
        const others = ids.filter((x) => x !== n);
        const next = others.length ? others.reduce((b, x) => (distance(idToBigInt(n), idToBigInt(x)) < distance(idToBigInt(n), idToBigInt(b)) ? x : b)) : n;
        expect(o.successor(n)).toBe(next);
        if (others.length) expect(o.successor(o.predecessor(n)!)).toBe(n);
        else expect(o.predecessor(n)).toBeUndefined();
        expect(o.finger(n, i)).toBe(bruteResponsible(ids, bigIntToId(fingerStart(idToBigInt(n), i))));
        expect(o.isResponsible(n, n)).toBe(true);
      }
    }), { numRuns: 200 });
  });

  it('expected redirects are always responsible or strictly closer, and chains end at the responsible node', () => {
    fc.assert(fc.property(ring, edgeId, (ids, key) => {
      const o = new RingOracle(ids);
      for (const n of ids) {
        const next = o.expectedRedirect(n, key);
        if (next === undefined) {
          expect(o.responsibleNode(key)).toBe(n);
          continue;
        }
        expect(o.redirectProblem(n, next, key)).toBeUndefined();
        // It is the finger whose interval [n+2^i, n+2^(i+1)) covers the key (SOS-JOIN-4).
        const d = distance(idToBigInt(n), idToBigInt(key));
        const i = [...Array(160).keys()].find((j) => d >= 1n << BigInt(j) && d < 1n << BigInt(j + 1))!;
        expect(next).toBe(o.finger(n, i));
      }
      const chain = o.expectedChain(ids[0]!, key);
      expect(chain[chain.length - 1]).toBe(o.chainEnd(key));
      expect(chain.length - 1).toBeLessThanOrEqual(160);
    }), { numRuns: 300 });
  });

  it('rejects a redirect that overshoots or stands still', () => {
    const ids = ['10', '20', '30', '40'].map((x) => x.padStart(40, '0'));
    const o = new RingOracle(ids);
    const key = '25'.padStart(40, '0');
    expect(o.responsibleNode(key)).toBe(ids[2]);
    expect(o.redirectProblem(ids[0]!, ids[1]!, key)).toBeUndefined();
    expect(o.redirectProblem(ids[0]!, ids[2]!, key)).toBeUndefined();
    expect(o.redirectProblem(ids[1]!, ids[3]!, key)).toMatch(/not closer/);
    expect(o.redirectProblem(ids[1]!, ids[1]!, key)).toMatch(/not closer/);
  });

  it('reproduces the draft §8 example in a 4-bit space scaled to 160 bits (5 redirects 14 to 3)', () => {
    const scale = (x: number): string => bigIntToId(BigInt(x) << 156n);
    const o = new RingOracle([3, 5, 10].map(scale));
    expect(o.responsibleNode(scale(14))).toBe(scale(3));
    expect(o.expectedRedirect(scale(5), scale(14))).toBe(scale(3));
    expect([0, 1, 2, 3].map((i) => o.finger(scale(3), 156 + i))).toEqual([5, 5, 10, 3].map(scale));
  });

  it('derives IDs as the catalogue says (SOS-ID-1/2/3)', () => {
    expect(nodeIdOf('10.0.0.14', 5060)).toMatch(/^[0-9a-f]{40}$/);
    expect(nodeIdOf('10.0.0.14')).toBe(nodeIdOf('10.0.0.14', 5060));
    expect(nodeIdOf('10.0.0.14', 5061)).not.toBe(nodeIdOf('10.0.0.14', 5060));
    expect(resourceIdOf('al%69ce')).toBe(resourceIdOf('alice'));
    expect(idProblem('A'.repeat(40))).toMatch(/upper-case/);
    expect(idProblem('a'.repeat(39))).toMatch(/39 hex digits/);
    expect(idProblem('g'.repeat(40))).toMatch(/not a hex digit/);
    expect(inHalfOpen(5n, 10n, 5n)).toBe(true);
    expect(inHalfOpen(10n, 10n, 5n)).toBe(false);
  });
});
