// Routing state of one node (SOS-RING): P 1, S 1..S 4 and fingers F i, with the pure
// decisions that read it. No I/O here; the node feeds it what it learns on the wire.
import { NodeRef, sameNode } from './ids';
import { coveringExponent, distance, fingerStart, inClosedOpen, inOpenClosed, inOpenOpen } from './ring';

export const SUCCESSORS_KEPT = 4; // SOS-RING-1: S 1..S 4

/** How a node REGISTER with a non-zero expiry is treated (SOS-JOIN-3, SOS-MAINT-7). */
export type NodeRegisterClass = 'refresh' | 'admit' | 'redirect';

export class RoutingTable {
  /** NULL predecessor is `null` (SOS-RING-6). */
  predecessor: NodeRef | null = null;
  successors: NodeRef[];
  readonly fingers = new Map<number, NodeRef>();

  constructor(
    readonly self: NodeRef,
    /** The finger exponents kept (SOS-RING-3 lets the node choose). */
    readonly exponents: readonly number[] = allExponents(),
  ) {
    this.successors = [self];
    this.startOverlay();
  }

  /** SOS-RING-6: successor and fingers point at the node itself, predecessor NULL. */
  startOverlay(): void {
    this.predecessor = null;
    this.successors = [this.self];
    for (const i of this.exponents) this.fingers.set(i, this.self);
  }

  get successor(): NodeRef {
    return this.successors[0] ?? this.self;
  }

  isAlone(): boolean {
    return sameNode(this.successor, this.self);
  }

  /** Every distinct node this table names, self excluded. */
  knownNodes(): NodeRef[] {
    const byId = new Map<string, NodeRef>();
    const add = (n: NodeRef | null | undefined): void => {
      if (n && n.id !== this.self.id) byId.set(n.id, n);
    };
    add(this.predecessor);
    this.successors.forEach(add);
    this.fingers.forEach(add);
    return [...byId.values()];
  }

  /**
   * SOS-ID-5: this node owns k when k is in (P 1, self]. With a NULL predecessor the node
   * owns k unless k lies in (self, S 1] or some node it knows lies in [k, self).
   */
  isResponsible(k: string): boolean {
    const n = this.self.id;
    if (k === n || this.isAlone()) return true;
    if (this.predecessor) return inOpenClosed(k, this.predecessor.id, n);
    if (inOpenClosed(k, n, this.successor.id)) return false;
    return !this.knownNodes().some((x) => inClosedOpen(x.id, k, n));
  }

  /**
   * SOS-JOIN-4: the redirect target for k: S 1 when k is in (self, S 1], else the finger whose
   * interval [n+2^i, n+2^(i+1)) covers k (or the nearest lower one kept), else the known node
   * that most closely precedes k.
   */
  nextHop(k: string, exponentShift = 0): NodeRef {
    const n = this.self.id;
    if (inOpenClosed(k, n, this.successor.id) && !this.isAlone()) return this.successor;
    const f = this.coveringFinger(k, exponentShift);
    // A finger past k is the owner only if no node this table knows lies in [k, F); on a fresh
    // table that always holds (F = successor(n+2^i)). A stale one steps to a node strictly
    // closer instead (SOS-JOIN-2), never past the key to a node that is not its owner.
    if (f && (f.id === k || inOpenOpen(f.id, n, k) || !this.knownNodes().some((x) => inClosedOpen(x.id, k, f.id)))) return f;
    return this.closestPrecedingNode(k) ?? f ?? this.successor;
  }

  private coveringFinger(k: string, exponentShift: number): NodeRef | undefined {
    const top = coveringExponent(this.self.id, k);
    if (top === undefined) return undefined;
    const kept = [...this.exponents].filter((i) => i <= top - exponentShift).sort((a, b) => b - a);
    for (const i of kept) {
      const f = this.fingers.get(i);
      if (f && f.id !== this.self.id) return f;
    }
    return undefined;
  }

  closestPrecedingNode(k: string): NodeRef | undefined {
    const n = this.self.id;
    let best: NodeRef | undefined;
    for (const x of this.knownNodes()) {
      if (!inOpenOpen(x.id, n, k)) continue;
      if (!best || distance(n, x.id) > distance(n, best.id)) best = x;
    }
    return best;
  }

  /** SOS-MAINT-7 / SOS-JOIN-3: which node REGISTERs are answered 200 here. */
  classifyNodeRegister(sender: NodeRef): NodeRegisterClass {
    const n = this.self.id;
    const p = this.predecessor;
    if (p && p.id === sender.id) return 'refresh';
    if (p) return inOpenOpen(sender.id, p.id, n) ? 'admit' : 'redirect';
    if (this.isAlone() || !inOpenOpen(sender.id, n, this.successor.id)) return 'admit';
    return 'redirect';
  }

  /** SOS-JOIN-3: the admitted node becomes P 1; a lone node also takes it as S 1 (JOIN-8). */
  admit(joiner: NodeRef): NodeRef | null {
    const former = this.predecessor;
    this.predecessor = joiner;
    if (this.isAlone()) {
      this.successors = [joiner];
      this.learnFinger(joiner);
    }
    return former;
  }

  /** A node that falls in [start_i, F i) is a better F i. */
  learnFinger(x: NodeRef): void {
    if (x.id === this.self.id) return;
    for (const i of this.exponents) {
      const start = fingerStart(this.self.id, i);
      const f = this.fingers.get(i) ?? this.self;
      if (f.id === this.self.id ? inClosedOpen(x.id, start, this.self.id) : inClosedOpen(x.id, start, f.id)) {
        this.fingers.set(i, x);
      }
    }
  }

  /**
   * Chord's successor list: S 1 followed by S 1's own successors, cut where the list comes
   * back to this node (SOS-RING-1).
   */
  setSuccessors(s1: NodeRef, theirs: readonly NodeRef[]): void {
    const list: NodeRef[] = [];
    for (const x of [s1, ...theirs]) {
      if (x.id === this.self.id) break;
      if (list.some((y) => y.id === x.id)) continue;
      list.push(x);
      if (list.length === SUCCESSORS_KEPT) break;
    }
    this.successors = list.length ? list : [this.self];
  }

  /** SOS-MAINT-2: a neighbour left and named its own P 1 and successors. */
  applyLeave(leaver: NodeRef, itsPredecessor: NodeRef | null, itsSuccessors: readonly NodeRef[]): void {
    const n = this.self.id;
    if (this.predecessor?.id === leaver.id) {
      this.predecessor = itsPredecessor && itsPredecessor.id !== n && itsPredecessor.id !== leaver.id ? itsPredecessor : null;
    }
    if (this.successors.some((s) => s.id === leaver.id)) {
      const rest = this.successors.filter((s) => s.id !== leaver.id);
      const after = itsSuccessors.filter((s) => s.id !== leaver.id);
      if (this.successor.id === leaver.id) {
        const first = after[0] ?? rest[0];
        if (first) this.setSuccessors(first, [...after.slice(1), ...rest]);
        else this.successors = [this.self];
      } else {
        this.successors = rest.length ? rest : [this.self];
      }
    }
    const replacement = itsSuccessors.find((s) => s.id !== leaver.id) ?? this.successor;
    this.replaceInFingers(leaver, replacement);
    this.settleAlone();
  }

  /** SOS-MAINT-3: a node stopped answering; drop it everywhere and fall back to what is known. */
  applyFailure(failed: NodeRef): void {
    if (failed.id === this.self.id) return;
    if (this.predecessor?.id === failed.id) this.predecessor = null;
    const rest = this.successors.filter((s) => s.id !== failed.id);
    if (rest.length !== this.successors.length) {
      this.successors = rest.length ? rest : [];
      if (!this.successors.length) {
        const known = this.knownNodes().filter((x) => x.id !== failed.id);
        const next = known.sort((a, b) => cmp(distance(this.self.id, a.id), distance(this.self.id, b.id)))[0];
        this.successors = [next ?? this.self];
      }
    }
    for (const i of this.exponents) {
      if (this.fingers.get(i)?.id === failed.id) this.fingers.set(i, this.bestGuessSuccessor(fingerStart(this.self.id, i), failed));
    }
    this.settleAlone();
  }

  private bestGuessSuccessor(start: string, excluded: NodeRef): NodeRef {
    const candidates = [this.self, ...this.knownNodes()].filter((x) => x.id !== excluded.id);
    return candidates.sort((a, b) => cmp(distance(start, a.id), distance(start, b.id)))[0] ?? this.self;
  }

  private replaceInFingers(gone: NodeRef, by: NodeRef): void {
    for (const i of this.exponents) if (this.fingers.get(i)?.id === gone.id) this.fingers.set(i, by);
  }

  /** Back to a lone node when nothing else is known (SOS-RING-6). */
  private settleAlone(): void {
    if (this.isAlone() && this.predecessor?.id === this.self.id) this.predecessor = null;
    if (this.isAlone() && this.knownNodes().length === 0) this.startOverlay();
  }
}

export function allExponents(): number[] {
  return Array.from({ length: 160 }, (_, i) => i);
}

function cmp(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
