// One interface for where nodes under test run (architecture: "Drivers"). The docker driver
// runs images in containers on a network the harness creates; the process driver runs a
// target's command as local processes on their own loopback addresses. Suites only see this.

import type { ContractValues } from '../targets/env';
import type { Target } from '../targets/schema';

/** A node under test as the harness knows it: its address and the ID it must derive (SOS-ID-2). */
export interface RingNode {
  name: string;
  host: string;
  port: number;
  nodeId: string;
  target: Target;
}

export interface StartOptions {
  name?: string;
  /** The node to join through (SOSIMPLE_BOOTSTRAP); absent: the node starts a new overlay. */
  bootstrap?: { host: string; port: number };
  overlay?: string;
  users?: string[];
  buddies?: string[];
  faults?: string[];
  /** Time to wait for the node to answer a node query for its own ID; default 15 s. */
  readyTimeoutMs?: number;
}

export type FaultAction = 'stop' | 'kill' | 'pause' | 'unpause' | 'disconnect' | 'reconnect';

/** The driver cannot make this fault: the test is *not applicable* here, never passed. */
export class NotApplicableError extends Error {
  override name = 'NotApplicableError';
  constructor(
    readonly driver: string,
    readonly action: string,
    reason: string,
  ) {
    super(`${action} is not applicable with the ${driver} driver: ${reason}`);
  }
}

export interface Cluster {
  readonly driver: 'docker' | 'process';
  /** The address the harness's virtual nodes bind, which every node can reach. */
  readonly harnessAddress: string;
  /** Nodes started and not yet stopped or killed, in start order. */
  readonly nodes: readonly RingNode[];
  /** Starts one node and waits until it answers on the wire. */
  start(target: Target, options?: StartOptions): Promise<RingNode>;
  /** Graceful stop (SIGTERM: the node should leave, SOS-MAINT-2); waits for it to exit. */
  stop(node: RingNode): Promise<void>;
  kill(node: RingNode): Promise<void>;
  pause(node: RingNode): Promise<void>;
  unpause(node: RingNode): Promise<void>;
  /** Cuts the node off the network (a partition); reconnect restores the same address. */
  disconnect(node: RingNode): Promise<void>;
  reconnect(node: RingNode): Promise<void>;
  /** Everything the node wrote to stdout and stderr so far. */
  logs(node: RingNode): Promise<string>;
  /** Stops every node and removes everything the cluster made. Safe to call twice. */
  close(): Promise<void>;
}

/** The contract values a driver passes to one node at `host:port` (the same for every driver). */
export function contractValues(host: string, port: number, options: StartOptions): ContractValues {
  return {
    address: host,
    port,
    bootstrap: options.bootstrap ? `${options.bootstrap.host}:${options.bootstrap.port}` : undefined,
    overlay: options.overlay,
    users: options.users,
    buddies: options.buddies,
    faults: options.faults,
  };
}
