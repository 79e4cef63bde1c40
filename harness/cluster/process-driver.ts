// The process driver: a target's `command` as local processes, each on its own loopback
// address (127.0.0.2, .3, …; all route to lo on Linux) with the same env contract as in a
// container. Faults it can make: stop (SIGTERM), kill (SIGKILL), pause (SIGSTOP/SIGCONT).
// A partition it cannot make is reported not applicable. Every child is killed when the
// cluster closes, when the process exits, and on SIGINT/SIGTERM.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { nodeIdOf } from '../overlay/id';
import { VirtualNode } from '../net/virtual-node';
import { nodeEnv } from '../targets/env';
import { CONTRACT_VARS, type Target } from '../targets/schema';
import { contractValues, NotApplicableError, type Cluster, type RingNode, type StartOptions } from './cluster';
import { EnvironmentError } from './docker-env';
import { waitUntilAnswering } from './readiness';

interface Child {
  node: RingNode;
  process: ChildProcess;
  output: string[];
  exited?: string;
}

const LOG_LIMIT = 2_000_000;
const live = new Set<ChildProcess>();
let hooked = false;

/** Kills every child of every process cluster, synchronously (for exit and signal hooks). */
function killAll(): void {
  for (const p of live) {
    try {
      p.kill('SIGCONT');
      p.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  live.clear();
}

function hookProcessExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      killAll();
      process.kill(process.pid, signal);
    });
  }
}

/**
 * The harness's own environment without the contract's variables, under either name: a node
 * gets only the values the harness decides for it (a run's SOSIMPLE_FAULTS, say, must not
 * reach nodes that were meant to run without faults).
 */
export function inheritedEnv(target: Target, from: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const out = { ...from };
  for (const v of CONTRACT_VARS) {
    delete out[v];
    const own = target.envNames[v];
    if (own) delete out[own];
  }
  return out;
}

export interface ProcessClusterOptions {
  /** First host byte to use: nodes get <net>.<first>, <first+1>, … Default 2. */
  firstHost?: number;
  /** The loopback /24 for nodes; default SOSIMPLE_LOOPBACK_NET or 127.0.0 (all of 127/8 is lo on Linux). */
  net?: string;
}

export class ProcessCluster implements Cluster {
  readonly driver = 'process' as const;
  readonly harnessAddress = '127.0.0.1';
  private readonly children: Child[] = [];
  private nextHost: number;
  private readonly net: string;
  private probe?: VirtualNode;
  private closed = false;

  constructor(options: ProcessClusterOptions = {}) {
    this.nextHost = options.firstHost ?? 2;
    this.net = options.net ?? process.env.SOSIMPLE_LOOPBACK_NET ?? '127.0.0';
    if (!/^127\.\d{1,3}\.\d{1,3}$/.test(this.net)) throw new EnvironmentError(`the process driver's network must be a 127.x.y prefix, not "${this.net}"`);
    hookProcessExit();
  }

  get nodes(): readonly RingNode[] {
    return this.children.filter((c) => c.exited === undefined).map((c) => c.node);
  }

  async start(target: Target, options: StartOptions = {}): Promise<RingNode> {
    if (this.closed) throw new Error('the cluster is closed');
    if (!target.command) throw new EnvironmentError(`${target.path}: target ${target.name} has no command, so the process driver cannot run it (use --driver docker)`);
    const [program, ...args] = target.command;
    if (!existsSync(target.workdir)) throw new EnvironmentError(`${target.path}: workdir ${target.workdir} does not exist`);
    if (this.nextHost > 254) throw new EnvironmentError(`the process driver ran out of loopback addresses (${this.net}.2–254)`);
    const host = `${this.net}.${this.nextHost++}`;
    const port = target.port;
    const name = options.name ?? `${target.name}-${this.children.length + 1}`;
    const node: RingNode = { name, host, port, nodeId: nodeIdOf(host, port), target };
    const env = nodeEnv(target, contractValues(host, port, options));
    const child = spawn(program!, args, { cwd: target.workdir, env: { ...inheritedEnv(target), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const record: Child = { node, process: child, output: [] };
    live.add(child);
    let size = 0;
    const keep = (chunk: Buffer): void => {
      if (size > LOG_LIMIT) return;
      size += chunk.length;
      record.output.push(chunk.toString('utf8'));
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    child.on('error', (e) => {
      record.exited ??= `could not start ${program}: ${e.message}`;
    });
    child.on('exit', (code, signal) => {
      live.delete(child);
      record.exited ??= signal ? `killed by ${signal}` : `exit code ${code}`;
    });
    this.children.push(record);
    try {
      await waitUntilAnswering(await this.getProbe(), node, {
        timeoutMs: options.readyTimeoutMs ?? 15_000,
        ...(options.overlay ? { overlay: options.overlay } : {}),
        isAlive: () => (record.exited ? `${record.exited}; output: ${record.output.join('').trim().slice(-500)}` : undefined),
      });
    } catch (e) {
      await this.kill(node);
      throw e;
    }
    return node;
  }

  private async getProbe(): Promise<VirtualNode> {
    this.probe ??= await VirtualNode.start({ host: this.harnessAddress, name: 'readiness-probe', defaultReply: 'silence' });
    return this.probe;
  }

  private child(node: RingNode): Child {
    const c = this.children.find((x) => x.node === node);
    if (!c) throw new Error(`node ${node.name} is not part of this cluster`);
    return c;
  }

  private async waitExit(c: Child, timeoutMs: number): Promise<boolean> {
    if (c.exited !== undefined) return true;
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      c.process.once('exit', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  async stop(node: RingNode): Promise<void> {
    const c = this.child(node);
    if (c.exited !== undefined) return;
    c.process.kill('SIGCONT');
    c.process.kill('SIGTERM');
    if (!(await this.waitExit(c, 10_000))) await this.kill(node);
  }

  async kill(node: RingNode): Promise<void> {
    const c = this.child(node);
    if (c.exited !== undefined) return;
    c.process.kill('SIGKILL');
    await this.waitExit(c, 5_000);
  }

  async pause(node: RingNode): Promise<void> {
    this.child(node).process.kill('SIGSTOP');
  }

  async unpause(node: RingNode): Promise<void> {
    this.child(node).process.kill('SIGCONT');
  }

  async disconnect(): Promise<void> {
    throw new NotApplicableError('process', 'disconnect', 'local processes share the loopback interface; a partition needs the docker driver');
  }

  async reconnect(): Promise<void> {
    throw new NotApplicableError('process', 'reconnect', 'local processes share the loopback interface; a partition needs the docker driver');
  }

  async logs(node: RingNode): Promise<string> {
    return this.child(node).output.join('');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.children.map((c) => this.kill(c.node)));
    await this.probe?.close();
  }
}
