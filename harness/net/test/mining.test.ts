import fc from 'fast-check';
import { nodeIdOf } from '../../overlay/id';
import { bigIntToId, RING_SIZE } from '../../overlay/ring';
import { inClosedOpen, minePort } from '../mining';

const HOST = '127.0.0.2';

/** Brute force: every port of [from, to) whose ID lies in [lo, hi), by plain comparison on the line. */
function bruteForce(lo: bigint, hi: bigint, from: number, to: number): number[] {
  const out: number[] = [];
  for (let p = from; p < to; p++) {
    const id = BigInt(`0x${nodeIdOf(HOST, p)}`);
    const inside = lo === hi ? true : lo < hi ? id >= lo && id < hi : id >= lo || id < hi;
    if (inside) out.push(p);
  }
  return out;
}

const id160 = fc.bigInt({ min: 0n, max: RING_SIZE - 1n });

describe('inClosedOpen', () => {
  it('holds lo, not hi, and wraps past zero', () => {
    expect(inClosedOpen(10n, 10n, 20n)).toBe(true);
    expect(inClosedOpen(19n, 10n, 20n)).toBe(true);
    expect(inClosedOpen(20n, 10n, 20n)).toBe(false);
    expect(inClosedOpen(9n, 10n, 20n)).toBe(false);
    expect(inClosedOpen(0n, RING_SIZE - 5n, 5n)).toBe(true);
    expect(inClosedOpen(RING_SIZE - 5n, RING_SIZE - 5n, 5n)).toBe(true);
    expect(inClosedOpen(5n, RING_SIZE - 5n, 5n)).toBe(false);
    expect(inClosedOpen(123n, 7n, 7n)).toBe(true); // lo = hi: the whole ring
  });
});

describe('minePort', () => {
  it('chooses the first qualifying port, as brute force does, over random intervals', () => {
    fc.assert(
      fc.property(id160, id160, fc.integer({ min: 1024, max: 60000 }), fc.array(fc.integer({ min: 0, max: 299 }), { maxLength: 20 }), (lo, hi, from, skips) => {
        const to = from + 300;
        const exclude = skips.map((s) => from + s);
        const expected = bruteForce(lo, hi, from, to).filter((p) => !exclude.includes(p));
        const target = { lo: bigIntToId(lo), hi: bigIntToId(hi) };
        if (expected.length === 0) {
          expect(() => minePort(HOST, target, { ports: { from, to }, exclude })).toThrow(/no port in/);
        } else {
          const mined = minePort(HOST, target, { ports: { from, to }, exclude });
          expect(mined.port).toBe(expected[0]);
          expect(mined.nodeId).toBe(nodeIdOf(HOST, mined.port));
        }
      }),
      { numRuns: 60 },
    );
  });

  it('accepts bigint bounds and a predicate', () => {
    const half = RING_SIZE / 2n;
    const mined = minePort(HOST, { lo: half, hi: 0n }, { ports: { from: 30000, to: 30100 } });
    expect(BigInt(`0x${mined.nodeId}`) >= half).toBe(true);
    const byPredicate = minePort(HOST, (hex) => hex.startsWith('00'), { ports: { from: 20000, to: 60000 } });
    expect(byPredicate.nodeId.startsWith('00')).toBe(true);
    expect(bruteForce(0n, 1n << 152n, 20000, byPredicate.port)).toEqual([]);
  });

  it('names the address, range and interval when no port qualifies', () => {
    const lo = nodeIdOf(HOST, 1); // an interval of width 1 around an ID no candidate reaches
    const hi = bigIntToId(BigInt(`0x${lo}`) + 1n);
    expect(() => minePort(HOST, { lo, hi }, { ports: { from: 40000, to: 40010 } })).toThrow(
      `no port in [40000, 40010) of ${HOST} gives a node ID in [${lo}, ${hi}) (10 tried, 0 excluded); widen the port range or the interval`,
    );
  });

  it('rejects a bad port range', () => {
    expect(() => minePort(HOST, () => true, { ports: { from: 10, to: 10 } })).toThrow(/bad candidate port range/);
    expect(() => minePort(HOST, () => true, { ports: { from: 0, to: 10 } })).toThrow(/bad candidate port range/);
  });
});
