import fc from 'fast-check';
import { RING_SIZE, coveringExponent, distance, fingerStart, fromBig, inClosedOpen, inOpenClosed, inOpenOpen, successorOf, toBig } from './ring';

const id = (n: bigint): string => fromBig(n);
const arbId = fc.bigInt({ min: 0n, max: RING_SIZE - 1n }).map(id);

describe('SOS-ID-4 ring arithmetic', () => {
  it('SOS-ID-4 d(a,b) = (b - a) mod 2^160 and wraps', () => {
    expect(distance(id(10n), id(3n))).toBe(RING_SIZE - 7n);
    expect(distance(id(3n), id(10n))).toBe(7n);
    expect(distance(id(RING_SIZE - 1n), id(0n))).toBe(1n);
  });

  it('SOS-ID-4 intervals wrap around zero', () => {
    const a = id(RING_SIZE - 5n);
    const b = id(5n);
    expect(inOpenClosed(id(0n), a, b)).toBe(true);
    expect(inOpenClosed(b, a, b)).toBe(true);
    expect(inOpenClosed(a, a, b)).toBe(false);
    expect(inOpenOpen(b, a, b)).toBe(false);
    expect(inClosedOpen(a, a, b)).toBe(true);
    expect(inOpenClosed(id(6n), a, b)).toBe(false);
  });

  it('SOS-ID-4 distance adds up around the ring (property)', () => {
    fc.assert(
      fc.property(arbId, arbId, (a, b) => {
        const sum = distance(a, b) + distance(b, a);
        return a === b ? sum === 0n : sum === RING_SIZE;
      }),
    );
  });

  it('SOS-ID-5 successorOf is the first ID >= k clockwise (brute force)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(arbId, { minLength: 1, maxLength: 12 }), arbId, (ids, k) => {
        const s = successorOf(k, ids);
        const sorted = [...ids].sort();
        const expected = sorted.find((x) => x >= k) ?? sorted[0];
        return s === expected;
      }),
    );
  });

  it('SOS-RING-3 finger start n+2^i and the covering exponent', () => {
    const n = id(100n);
    expect(toBig(fingerStart(n, 0))).toBe(101n);
    expect(toBig(fingerStart(n, 159))).toBe(100n + (1n << 159n));
    expect(toBig(fingerStart(id(RING_SIZE - 1n), 0))).toBe(0n);
    expect(coveringExponent(n, n)).toBeUndefined();
    expect(coveringExponent(n, id(101n))).toBe(0);
    expect(coveringExponent(n, id(103n))).toBe(1);
    expect(coveringExponent(n, id(104n))).toBe(2);
    fc.assert(
      fc.property(arbId, arbId, (a, k) => {
        const i = coveringExponent(a, k);
        if (a === k) return i === undefined;
        const d = distance(a, k);
        return i !== undefined && 1n << BigInt(i) <= d && d < 1n << BigInt(i + 1);
      }),
    );
  });
});
