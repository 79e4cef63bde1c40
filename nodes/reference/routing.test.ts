import fc from 'fast-check';
import { NodeRef } from './ids';
import { RING_SIZE, distance, fingerStart, fromBig, successorOf } from './ring';
import { RoutingTable, allExponents } from './routing';

const node = (id: string, i = 0): NodeRef => ({ id, host: `10.0.0.${i + 1}`, port: 5060 });

/** A table holding the oracle's values for `self` in a ring of `ids` (computed by sorting). */
function perfectTable(ids: string[], self: string, exponents = allExponents()): RoutingTable {
  const sorted = [...ids].sort();
  const refs = new Map(sorted.map((x, i) => [x, node(x, i)]));
  const t = new RoutingTable(refs.get(self) as NodeRef, exponents);
  const at = sorted.indexOf(self);
  const n = sorted.length;
  if (n > 1) {
    t.predecessor = refs.get(sorted[(at - 1 + n) % n]) as NodeRef;
    t.successors = [1, 2, 3, 4].filter((k) => k < n).map((k) => refs.get(sorted[(at + k) % n]) as NodeRef);
  }
  for (const i of exponents) t.fingers.set(i, refs.get(successorOf(fingerStart(self, i), sorted)) as NodeRef);
  return t;
}

const arbId = fc.bigInt({ min: 0n, max: RING_SIZE - 1n }).map(fromBig);
const arbRing = fc.uniqueArray(arbId, { minLength: 2, maxLength: 24 });
/** A ring and a key that is often a node's ID or next to one (the edges of every interval). */
const arbRingAndKey = fc.tuple(arbRing, arbId, fc.nat(), fc.integer({ min: -1, max: 1 }), fc.boolean()).map(([ids, any, pick, delta, onNode]) => {
  const k = onNode ? fromBig(BigInt('0x' + ids[pick % ids.length]) + BigInt(delta)) : any;
  return [ids, k] as const;
});

describe('routing decisions', () => {
  it('SOS-RING-6 a node starting the overlay: S 1 and fingers = itself, P NULL, owns every key', () => {
    const t = new RoutingTable(node(fromBig(42n)));
    expect(t.predecessor).toBeNull();
    expect(t.successor.id).toBe(t.self.id);
    expect([...t.fingers.values()].every((f) => f.id === t.self.id)).toBe(true);
    expect(t.isResponsible(fromBig(7n))).toBe(true);
  });

  it('SOS-ID-5 isResponsible agrees with the oracle on a stable ring', () => {
    fc.assert(
      fc.property(arbRingAndKey, ([ids, k]) => {
        const owner = successorOf(k, ids);
        return ids.every((x) => perfectTable(ids, x).isResponsible(k) === (x === owner));
      }),
      { numRuns: 60 },
    );
  });

  it('SOS-JOIN-2 / SOS-JOIN-4 a redirect is the oracle finger covering k, closer or responsible', () => {
    fc.assert(
      fc.property(arbRingAndKey, fc.nat(), ([ids, k], pick) => {
        const self = ids[pick % ids.length];
        const t = perfectTable(ids, self);
        if (t.isResponsible(k)) return true;
        const next = t.nextHop(k);
        const owner = successorOf(k, ids);
        const closer = distance(next.id, k) < distance(self, k);
        if (!(closer || next.id === owner)) return false;
        const i = distance(self, k).toString(2).length - 1;
        const s1 = t.successor.id;
        const expected = distance(self, k) <= distance(self, s1) ? s1 : successorOf(fingerStart(self, i), ids);
        return next.id === expected;
      }),
      { numRuns: 200 },
    );
  });

  it('SOS-LOOKUP-4 following nextHop from any node reaches the owner without loops', () => {
    fc.assert(
      fc.property(arbRingAndKey, ([ids, k]) => {
        const tables = new Map(ids.map((x) => [x, perfectTable(ids, x)]));
        let at = ids[0];
        for (let hops = 0; hops < 30; hops++) {
          const t = tables.get(at) as RoutingTable;
          if (t.isResponsible(k)) return at === successorOf(k, ids) && hops <= 2 * Math.ceil(Math.log2(ids.length)) + 2;
          at = t.nextHop(k).id;
        }
        return false;
      }),
      { numRuns: 100 },
    );
  });

  it('§8.1 example scaled to 160 bits: node 5 redirects a joiner 14 to node 3', () => {
    const s = (x: bigint): string => fromBig(x << 156n);
    const t = perfectTable([s(3n), s(5n), s(10n)], s(5n), [156, 157, 158, 159]);
    expect(t.isResponsible(s(14n))).toBe(false);
    expect(t.nextHop(s(14n)).id).toBe(s(3n));
    expect(t.nextHop(s(14n), 1).id).not.toBe(s(3n)); // the `redirect-wrong-finger` fault
  });

  it('SOS-JOIN-4 a finger equal to the key is the owner (found by the property above)', () => {
    const ids = ['0'.repeat(40), `${'f'.repeat(38)}c1`, `${'0'.repeat(39)}c`];
    const t = perfectTable(ids, ids[1]);
    expect(t.nextHop(ids[2]).id).toBe(ids[2]);
  });

  it('SOS-JOIN-2 a stale finger past the key is not used when a known node lies between', () => {
    const ids = [10n, 20n, 30n, 40n, 200n].map(fromBig);
    const t = perfectTable(ids, ids[0], [7]); // n = 10, F 7 covers [138, 266): successor 200
    const k = fromBig(150n);
    expect(t.nextHop(k).id).toBe(ids[4]); // fresh: the covering finger, the owner
    t.fingers.set(7, node(fromBig(5n))); // stale: wraps past k to a node that is not the owner
    const next = t.nextHop(k);
    expect(distance(next.id, k) < distance(ids[0], k)).toBe(true);
  });

  it('SOS-MAINT-7 classification of node REGISTERs', () => {
    const ids = [10n, 20n, 30n, 40n].map(fromBig);
    const t = perfectTable(ids, ids[2]); // self 30, P 20, S 40
    expect(t.classifyNodeRegister(node(ids[1]))).toBe('refresh');
    expect(t.classifyNodeRegister(node(fromBig(25n)))).toBe('admit');
    expect(t.classifyNodeRegister(node(fromBig(35n)))).toBe('redirect');
    expect(t.classifyNodeRegister(node(fromBig(5n)))).toBe('redirect');
    t.predecessor = null; // NULL P 1: anything outside (self, S 1) is a neighbour
    expect(t.classifyNodeRegister(node(fromBig(5n)))).toBe('admit');
    expect(t.classifyNodeRegister(node(fromBig(35n)))).toBe('redirect');
  });

  it('SOS-JOIN-8 a lone first node takes its joiner as S 1 and P 1 at once', () => {
    const t = new RoutingTable(node(fromBig(100n)));
    const j = node(fromBig(200n), 1);
    expect(t.classifyNodeRegister(j)).toBe('admit');
    expect(t.admit(j)).toBeNull();
    expect(t.predecessor?.id).toBe(j.id);
    expect(t.successor.id).toBe(j.id);
    expect(t.isResponsible(fromBig(150n))).toBe(false);
    expect(t.isResponsible(fromBig(250n))).toBe(true);
  });

  it('SOS-MAINT-2 a leaving successor hands over its successors; a leaving predecessor its P 1', () => {
    const ids = [10n, 20n, 30n, 40n, 50n, 60n].map(fromBig);
    const t = perfectTable(ids, ids[2]); // self 30: P 20, S 40 50 60 10
    t.applyLeave(node(ids[3], 3), node(ids[2], 2), [node(ids[4], 4), node(ids[5], 5), node(ids[0], 0), node(ids[1], 1)]);
    expect(t.successors.map((s) => s.id)).toEqual([ids[4], ids[5], ids[0], ids[1]]);
    expect([...t.fingers.values()].some((f) => f.id === ids[3])).toBe(false);
    t.applyLeave(node(ids[1], 1), node(ids[0], 0), [node(ids[2], 2)]);
    expect(t.predecessor?.id).toBe(ids[0]);
  });

  it('SOS-MAINT-3 a failed S 1 is replaced by S 2; a failed P 1 becomes NULL', () => {
    const ids = [10n, 20n, 30n, 40n, 50n].map(fromBig);
    const t = perfectTable(ids, ids[2]);
    t.applyFailure(t.successor);
    expect(t.successor.id).toBe(ids[4]);
    t.applyFailure(t.predecessor as NodeRef);
    expect(t.predecessor).toBeNull();
    expect([...t.fingers.values()].some((f) => f.id === ids[3] || f.id === ids[1])).toBe(false);
  });

  it('SOS-RING-1 the successor list stops where it comes back to self', () => {
    const ids = [10n, 20n, 30n].map(fromBig);
    const t = new RoutingTable(node(ids[0]));
    t.setSuccessors(node(ids[1], 1), [node(ids[2], 2), node(ids[0]), node(ids[1], 1)]);
    expect(t.successors.map((s) => s.id)).toEqual([ids[1], ids[2]]);
  });
});
