// Many nodes in one process, each on its own loopback address 127.0.0.2, .3, … (the `sip`
// package hijacks requests to its own address, notes B defect 1), with explicit ports
// (defect 2) and short timing knobs, and each node's state readable for tests.
import { Clock, systemClock } from './clock';
import { Faults, parseFaults } from './faults';
import { NodeConfig, NodeLog, NodeState, SosimpleNode, silentLog } from './node';

export interface RingOptions {
  port?: number;
  /** Loopback addresses start at 127.0.<firstHost>... ; keep test files apart by range. */
  firstAddress?: number;
  overlay?: string;
  stabilizeMs?: number;
  fingerMs?: number;
  failureTimeoutMs?: number;
  joinRetryMs?: number;
  expires?: number;
  fingerExponents?: number[];
  clock?: Clock;
  log?: NodeLog;
}

export interface NodeSpec {
  users?: string[];
  buddies?: string[];
  faults?: string;
}

/** 127.0.x.y for the n-th node, skipping .0, .1 and .255 in the last octet. */
export function loopbackAddress(n: number): string {
  const x = Math.floor(n / 250);
  const y = (n % 250) + 2;
  return `127.0.${x}.${y}`;
}

export class InProcessRing {
  readonly nodes: SosimpleNode[] = [];
  private next: number;

  constructor(readonly opts: RingOptions = {}) {
    this.next = opts.firstAddress ?? 0;
  }

  private config(address: string, bootstrap: SosimpleNode | undefined, spec: NodeSpec, faults: Faults): NodeConfig {
    const o = this.opts;
    const stabilizeMs = o.stabilizeMs ?? 200;
    return {
      address,
      port: o.port ?? 5060,
      bootstrap: bootstrap ? { host: bootstrap.self.host, port: bootstrap.self.port } : undefined,
      overlay: o.overlay ?? 'chat',
      users: spec.users ?? [],
      buddies: spec.buddies ?? [],
      faults,
      stabilizeMs,
      fingerMs: o.fingerMs ?? stabilizeMs,
      failureTimeoutMs: o.failureTimeoutMs ?? 1500,
      joinRetryMs: o.joinRetryMs ?? 300,
      expires: o.expires ?? 600,
      fingerExponents: o.fingerExponents,
    };
  }

  /** Starts a node; it joins through `via` (default: the first live node), or starts the overlay. */
  async add(spec: NodeSpec = {}, via?: SosimpleNode, awaitJoin = true): Promise<SosimpleNode> {
    const live = this.live();
    const bootstrap = via ?? live[0];
    const faults = parseFaults(spec.faults);
    let node: SosimpleNode | undefined;
    // An address someone else holds (another test run) is skipped, not fatal (defect 3 guard).
    for (let attempt = 0; !node; attempt++) {
      const address = loopbackAddress(this.next++);
      const candidate = new SosimpleNode(this.config(address, bootstrap, spec, faults), this.opts.clock ?? systemClock, this.opts.log ?? silentLog);
      try {
        await candidate.start();
        node = candidate;
      } catch (e) {
        candidate.kill();
        if (attempt >= 4) throw e;
      }
    }
    this.nodes.push(node);
    if (awaitJoin) await node.whenJoined();
    return node;
  }

  live(): SosimpleNode[] {
    return this.nodes.filter((n) => !n.isStopped);
  }

  states(): NodeState[] {
    return this.live().map((n) => n.snapshot());
  }

  async leave(node: SosimpleNode): Promise<void> {
    await node.leave();
  }

  kill(node: SosimpleNode): void {
    node.kill();
  }

  async close(): Promise<void> {
    for (const n of this.nodes) n.kill();
  }
}
