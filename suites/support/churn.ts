// Changing a suite's ring while it runs (successor.test.ts): nodes join one at a time or
// several at once, leave, are killed, paused, or cut off by a partition. The live set, which
// the oracle is built from, follows every change; verdicts compare what the live nodes say on
// the wire (SOS-LOOKUP-5) with that oracle and list node → expected / actual.

import { existsSync } from 'node:fs';
import { NotApplicableError, type RingNode, type StartOptions } from '../../harness/cluster/cluster';
import { waitForStableRing, type RingMismatch } from '../../harness/cluster/ring';
import { RingOracle } from '../../harness/overlay/oracle';
import { suiteFaults, suiteTarget, type SuiteRing } from './ring';

/** live: answers and belongs in the oracle; paused / cut-off: will come back; gone: stopped or killed. */
export type MemberState = 'live' | 'paused' | 'cut-off' | 'gone';

interface Member {
  node: RingNode;
  /** 1-based start order over the whole suite (the ring's first node is 1). */
  position: number;
  /** What the node was told to join through; undefined for the node that started the overlay. */
  bootstrap?: { host: string; port: number };
  state: MemberState;
}

/**
 * Fault switches for the node started `position`-th: the run's faults (SOSIMPLE_FAULTS) on
 * every node, or only on the 1-based start positions SOSIMPLE_FAULT_NODES lists.
 */
export function faultsForPosition(position: number): string[] | undefined {
  const faults = suiteFaults();
  if (!faults.length) return undefined;
  const raw = (process.env.SOSIMPLE_FAULT_NODES ?? 'all').trim();
  if (raw === 'all' || raw === '') return faults;
  return raw.split(',').map((s) => Number(s.trim())).includes(position) ? faults : undefined;
}

export class ChurnRing {
  private readonly members: Member[];

  constructor(private readonly ring: SuiteRing) {
    // useRing starts the ring with startRing's default: every node joins through the first.
    this.members = ring.nodes.map((node, i) => ({ node, position: i + 1, ...(i > 0 ? { bootstrap: ring.nodes[0]! } : {}), state: 'live' as const }));
  }

  /** Nodes that answer and belong in the oracle, in start order. */
  live(): RingNode[] {
    return this.members.filter((m) => m.state === 'live').map((m) => m.node);
  }

  oracle(): RingOracle {
    return new RingOracle(this.live().map((n) => n.nodeId));
  }

  byId(nodeId: string): RingNode | undefined {
    return this.members.find((m) => m.node.nodeId === nodeId.toLowerCase())?.node;
  }

  /** The node the suite started at this address (live or not), if any. */
  startedAt(to: { host: string; port: number }): RingNode | undefined {
    return this.members.find((m) => m.node.host === to.host && m.node.port === to.port)?.node;
  }

  positionOf(node: RingNode): number {
    return this.member(node).position;
  }

  bootstrapOf(node: RingNode): { host: string; port: number } | undefined {
    return this.member(node).bootstrap;
  }

  /** `reference-3 (1a2b3c4d)`, or the short ID of a node the suite never started, or `none`. */
  label(nodeId: string | undefined): string {
    if (!nodeId) return 'none';
    const n = this.byId(nodeId);
    return n ? `${n.name} (${nodeId.slice(0, 8)})` : `(${nodeId.slice(0, 8)}, not a node of this ring)`;
  }

  /** Starts one node joining through `bootstrap` and waits until it answers on the wire. */
  async join(bootstrap: { host: string; port: number }, options: Pick<StartOptions, 'users' | 'buddies'> = {}): Promise<RingNode> {
    const [node] = await this.joinAtOnce([bootstrap], options);
    return node!;
  }

  /** Starts one node per bootstrap, all at once (concurrent joins); resolves when all answer. */
  async joinAtOnce(bootstraps: { host: string; port: number }[], options: Pick<StartOptions, 'users' | 'buddies'> = {}): Promise<RingNode[]> {
    const target = suiteTarget();
    const first = this.members.length + 1;
    const started = await Promise.allSettled(
      bootstraps.map((bootstrap, i) => {
        const position = first + i;
        const faults = faultsForPosition(position);
        return this.ring.cluster
          .start(target, { ...options, name: `${target.name}-${position}`, bootstrap, ...(faults ? { faults } : {}) })
          .then((node) => ({ node, position, bootstrap }));
      }),
    );
    const nodes: RingNode[] = [];
    for (const s of started) {
      if (s.status !== 'fulfilled') continue;
      this.members.push({ ...s.value, state: 'live' });
      this.ring.nodes.push(s.value.node); // so the suite's artifacts keep its log
      nodes.push(s.value.node);
    }
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    return nodes;
  }

  /** Graceful stop: the node should leave first (SOS-MAINT-2). */
  async stop(node: RingNode): Promise<void> {
    await this.ring.cluster.stop(node);
    this.member(node).state = 'gone';
  }

  /** No goodbye at all. */
  async kill(node: RingNode): Promise<void> {
    await this.ring.cluster.kill(node);
    this.member(node).state = 'gone';
  }

  async pause(node: RingNode): Promise<void> {
    await this.ring.cluster.pause(node);
    this.member(node).state = 'paused';
  }

  async unpause(node: RingNode): Promise<void> {
    await this.ring.cluster.unpause(node);
    this.member(node).state = 'live';
  }

  /** Cuts the node off the network; NotApplicableError where the driver cannot. */
  async disconnect(node: RingNode): Promise<void> {
    await this.ring.cluster.disconnect(node);
    this.member(node).state = 'cut-off';
  }

  async reconnect(node: RingNode): Promise<void> {
    await this.ring.cluster.reconnect(node);
    this.member(node).state = 'live';
  }

  /**
   * Polls until every live node's P 1 and S 1 equal the oracle of the live set; resolves with
   * what still differs when `boundMs` has passed ([] when the ring is right).
   */
  async settle(boundMs: number): Promise<string[]> {
    return (await waitForStableRing(this.ring.probe, this.live(), boundMs)).map((m) => this.describe(m)).sort();
  }

  describe(m: RingMismatch): string {
    if (m.what === 'unreachable') return `${m.node}: expected an answer to a node query / actual ${m.actual ?? 'none'}`;
    return `${m.node} ${m.what}: expected ${this.label(m.expected)} / actual ${this.label(m.actual)}`;
  }

  private member(node: RingNode): Member {
    const m = this.members.find((x) => x.node === node || x.node.nodeId === node.nodeId);
    if (!m) throw new Error(`node ${node.name} is not part of this suite's ring`);
    return m;
  }
}

/**
 * The driver the run will use, as far as it is known before any ring starts (test titles are
 * fixed then): SOSIMPLE_DRIVER, or for `auto` whether the target has an image and an engine
 * socket is there (the same choice useRing makes, without asking the engine).
 */
export function plannedDriver(): 'docker' | 'process' {
  const driver = process.env.SOSIMPLE_DRIVER ?? 'auto';
  if (driver === 'docker' || driver === 'process') return driver;
  if (!suiteTarget().image) return 'process';
  const host = process.env.DOCKER_HOST;
  if (host && !host.startsWith('unix://')) return 'docker';
  return existsSync(host ? host.slice('unix://'.length) : '/var/run/docker.sock') ? 'docker' : 'process';
}

/** What the process driver cannot make, and why (its NotApplicableError says the same). */
const PROCESS_CANNOT: Record<string, string> = {
  disconnect: 'the process driver cannot cut a node off the network: local processes share the loopback interface; a partition needs the docker driver',
};

/**
 * `it` when the planned driver can make the fault `action`, otherwise a skipped test whose
 * title says why: reported not applicable, never passed. Should the driver chosen at run time
 * still refuse (auto mode guessed wrong), the test fails saying so instead of passing.
 */
export function itWhenDriverCan(action: 'disconnect'): jest.It {
  if (plannedDriver() === 'process') {
    return ((title: string, fn?: jest.ProvidesCallback, timeout?: number) =>
      it.skip(`${title} [not applicable: ${PROCESS_CANNOT[action]}]`, fn, timeout)) as unknown as jest.It;
  }
  return ((title: string, fn: () => Promise<unknown>, timeout?: number) =>
    it(
      title,
      async () => {
        try {
          await fn();
        } catch (e) {
          if (e instanceof NotApplicableError) {
            throw new Error(`${e.message} (the driver was chosen at run time; run with SOSIMPLE_DRIVER=${e.driver} to have this test reported not applicable)`);
          }
          throw e;
        }
      },
      timeout,
    )) as unknown as jest.It;
}
