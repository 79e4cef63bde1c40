// The ring oracle: given the live node IDs, what every node's successor, predecessor and
// fingers must be, who is responsible for a key, and which redirects are acceptable.
// Expected values in the suites come from here, never from the node under test.

import { distance, fingerStart, ID_BITS, idToBigInt, bigIntToId, inHalfOpen } from './ring';

export class RingOracle {
  /** Node IDs as bigints, sorted clockwise from 0. */
  private readonly sorted: bigint[];

  constructor(nodeIds: Iterable<string>) {
    const unique = new Set<bigint>();
    for (const id of nodeIds) unique.add(idToBigInt(id));
    if (unique.size === 0) throw new Error('a ring oracle needs at least one node');
    this.sorted = [...unique].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  get size(): number {
    return this.sorted.length;
  }

  get ids(): string[] {
    return this.sorted.map(bigIntToId);
  }

  private index(id: string): number {
    const n = idToBigInt(id);
    const i = this.sorted.indexOf(n);
    if (i < 0) throw new Error(`${id} is not a node of this ring`);
    return i;
  }

  /** SOS-ID-5: the first node with ID ≥ key, clockwise (wrapping to the smallest). */
  responsibleNode(key: string): string {
    const k = idToBigInt(key);
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.sorted[mid]! < k) lo = mid + 1;
      else hi = mid;
    }
    return bigIntToId(this.sorted[lo % this.sorted.length]!);
  }

  /** S depth (1 = next node clockwise), for a node of the ring. A lone node is its own successor. */
  successor(nodeId: string, depth = 1): string {
    const i = this.index(nodeId);
    return bigIntToId(this.sorted[(i + depth) % this.sorted.length]!);
  }

  /** P depth (1 = previous node). A lone node has none (SOS-RING-6): undefined. */
  predecessor(nodeId: string, depth = 1): string | undefined {
    if (this.sorted.length === 1) return undefined;
    const i = this.index(nodeId);
    const n = this.sorted.length;
    return bigIntToId(this.sorted[(((i - depth) % n) + n) % n]!);
  }

  /** The successors S 1..count, stopping before the list would wrap back to the node itself. */
  successors(nodeId: string, count = 4): string[] {
    const out: string[] = [];
    for (let d = 1; d <= Math.min(count, this.sorted.length - 1); d++) out.push(this.successor(nodeId, d));
    return out;
  }

  /** SOS-RING-3: F i = successor(n + 2^i). */
  finger(nodeId: string, i: number): string {
    return this.responsibleNode(bigIntToId(fingerStart(idToBigInt(nodeId), i)));
  }

  fingers(nodeId: string): string[] {
    return Array.from({ length: ID_BITS }, (_, i) => this.finger(nodeId, i));
  }

  /**
   * SOS-JOIN-4: on a stable ring, the node n redirects a request for `key` to its finger whose
   * interval [n + 2^i, n + 2^(i+1)) covers the key. undefined when n is responsible.
   */
  expectedRedirect(nodeId: string, key: string): string | undefined {
    if (this.responsibleNode(key) === nodeId) return undefined;
    const n = idToBigInt(nodeId);
    const d = distance(n, idToBigInt(key));
    // The covering interval's exponent is the highest set bit of d (d ≥ 1 here).
    const i = d.toString(2).length - 1;
    return this.finger(nodeId, i);
  }

  /**
   * SOS-JOIN-2: a redirect from `from` toward `key` must name the responsible node or a node
   * strictly closer to the key: d(next, key) < d(from, key). Returns why not, or undefined.
   */
  redirectProblem(from: string, next: string, key: string): string | undefined {
    if (next === this.responsibleNode(key)) return undefined;
    const k = idToBigInt(key);
    const dFrom = distance(idToBigInt(from), k);
    const dNext = distance(idToBigInt(next), k);
    if (dNext < dFrom) return undefined;
    return `redirect from ${from.slice(0, 8)} to ${next.slice(0, 8)} is not closer to ${key.slice(0, 8)} (distance ${dNext} ≥ ${dFrom})`;
  }

  /** The node whose (predecessor, self] holds the key: the end of a join or lookup chain. */
  chainEnd(key: string): string {
    return this.responsibleNode(key);
  }

  /** Is `key` in (predecessor(node), node]? */
  isResponsible(nodeId: string, key: string): boolean {
    const p = this.predecessor(nodeId);
    if (p === undefined) return true;
    return inHalfOpen(idToBigInt(key), idToBigInt(p), idToBigInt(nodeId));
  }

  /** The expected join chain from `bootstrap` for a joiner `key`, following JOIN-4 redirects. */
  expectedChain(bootstrap: string, key: string): string[] {
    const chain = [bootstrap];
    for (let cur = bootstrap; ; ) {
      const next = this.expectedRedirect(cur, key);
      if (next === undefined) return chain;
      if (chain.includes(next)) throw new Error(`oracle chain loops at ${next}`);
      chain.push(next);
      cur = next;
    }
  }

  /** A ring with one more node (e.g. after a join). */
  with(nodeId: string): RingOracle {
    return new RingOracle([...this.ids, nodeId]);
  }

  /** A ring with one node fewer (after a leave or a failure). */
  without(nodeId: string): RingOracle {
    return new RingOracle(this.ids.filter((id) => id !== bigIntToId(idToBigInt(nodeId))));
  }
}
