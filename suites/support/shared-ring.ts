// A run's shared ring (see ring-keeper.ts): suites that only query a ring attach to it
// instead of starting their own. The first suite to ask starts the keeper; every suite holds
// the ring alone while it runs (a lock folder), so no suite sees another's joiners, and
// checks that the ring is stable before it starts.

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Cluster, RingNode, StartOptions } from '../../harness/cluster/cluster';
import { NotApplicableError } from '../../harness/cluster/cluster';
import { waitForStableRing } from '../../harness/cluster/ring';
import { Trace } from '../../harness/net/trace';
import { VirtualNode } from '../../harness/net/virtual-node';
import { RingOracle } from '../../harness/overlay/oracle';
import type { Target } from '../../harness/targets/schema';
import type { SharedRingFile } from './ring-keeper';

const ROOT = resolve(__dirname, '..', '..');
const START_TIMEOUT_MS = 240_000;
const LOCK_TIMEOUT_MS = 20 * 60_000;

/** The run's shared-ring folder, made by the conformance global set-up; absent: no sharing. */
export function sharedRingDir(): string | undefined {
  if ((process.env.SOSIMPLE_SHARED_RING ?? 'on') === 'off') return undefined;
  return process.env.SOSIMPLE_SHARED_DIR || undefined;
}

/** Whether a process with this PID still runs (signal 0 tests without signalling). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** mkdir is atomic: the lock is the folder, its owner's PID inside; a dead owner's lock is broken. */
async function lock(path: string, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      mkdirSync(path);
      writeFileSync(join(path, 'pid'), String(process.pid));
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const owner = Number(readFileSafe(join(path, 'pid')));
      if (owner && !alive(owner)) rmSync(path, { recursive: true, force: true });
      else if (Date.now() > deadline) throw new Error(`waited ${Math.round(timeoutMs / 1000)} s for ${what} (held by PID ${owner || '?'})`);
      else await sleep(200);
    }
  }
}

function readFileSafe(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** Starts the keeper unless it runs already; resolves with its ring. */
async function sharedRing(dir: string): Promise<SharedRingFile> {
  const ringFile = join(dir, 'ring.json');
  const errorFile = join(dir, 'error.txt');
  await lock(join(dir, 'start.lock'), START_TIMEOUT_MS, 'the shared ring to start');
  try {
    if (!existsSync(ringFile) && !existsSync(errorFile)) {
      const log = openSync(join(dir, 'keeper.log'), 'a');
      const keeper = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', join(__dirname, 'ring-keeper.ts'), dir], {
        cwd: ROOT,
        env: { ...process.env, TS_NODE_PROJECT: join(ROOT, 'tsconfig.json') },
        stdio: ['ignore', log, log],
        detached: true,
      });
      keeper.unref();
      writeFileSync(join(dir, 'keeper.pid'), String(keeper.pid));
      const deadline = Date.now() + START_TIMEOUT_MS;
      while (!existsSync(ringFile) && !existsSync(errorFile)) {
        if (Date.now() > deadline) throw new Error(`the shared ring did not start within ${START_TIMEOUT_MS / 1000} s (keeper log: ${join(dir, 'keeper.log')})`);
        if (keeper.exitCode !== null && !existsSync(ringFile) && !existsSync(errorFile)) {
          throw new Error(`the shared ring's keeper exited with code ${keeper.exitCode}: ${readFileSafe(join(dir, 'keeper.log')).trim().split('\n').slice(-3).join(' | ')}`);
        }
        await sleep(200);
      }
    }
  } finally {
    rmSync(join(dir, 'start.lock'), { recursive: true, force: true });
  }
  if (existsSync(errorFile)) throw new Error(`the shared ring did not start: ${readFileSafe(errorFile)}`);
  return JSON.parse(readFileSync(ringFile, 'utf8')) as SharedRingFile;
}

/** The shared ring as a Cluster a suite may read but never change. */
class AttachedCluster implements Cluster {
  constructor(private readonly ring: SharedRingFile) {}
  get driver(): 'docker' | 'process' {
    return this.ring.driver;
  }
  get harnessAddress(): string {
    return this.ring.harnessAddress;
  }
  get nodes(): readonly RingNode[] {
    return this.ring.nodes;
  }
  private refuse(action: string): never {
    throw new NotApplicableError(this.ring.driver, action, 'the shared ring is read-only; a suite that changes the ring starts its own (useRing without shared)');
  }
  start(_t: Target, _o?: StartOptions): Promise<RingNode> {
    return this.refuse('start');
  }
  stop(): Promise<void> {
    return this.refuse('stop');
  }
  kill(): Promise<void> {
    return this.refuse('kill');
  }
  pause(): Promise<void> {
    return this.refuse('pause');
  }
  unpause(): Promise<void> {
    return this.refuse('unpause');
  }
  disconnect(): Promise<void> {
    return this.refuse('disconnect');
  }
  reconnect(): Promise<void> {
    return this.refuse('reconnect');
  }
  logs(node: RingNode): Promise<string> {
    return Promise.resolve(`(${node.name} belongs to the run's shared ring; its log is saved under artifacts/shared-ring/ when the run ends)\n`);
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

export interface AttachedRing {
  cluster: Cluster;
  nodes: RingNode[];
  oracle: RingOracle;
  probe: VirtualNode;
  trace: Trace;
  release: () => void;
}

/** Waits for the shared ring and for this suite's turn on it; the caller must release(). */
export async function attachSharedRing(dir: string, target: Target): Promise<AttachedRing> {
  const ring = await sharedRing(dir);
  const useLock = join(dir, 'use.lock');
  await lock(useLock, LOCK_TIMEOUT_MS, 'the shared ring (another suite is using it)');
  let probe: VirtualNode | undefined;
  try {
    const cluster = new AttachedCluster(ring);
    const trace = new Trace();
    probe = await VirtualNode.start({ host: cluster.harnessAddress, name: 'harness', trace, defaultReply: 'silence' });
    // The suite before may have left the ring settling (its joiners leaving): wait until P 1
    // and S 1 are right again, then one finger-refresh bound, so that no finger still names
    // a joiner that has left.
    const used = join(dir, 'used');
    if (existsSync(used)) {
      await waitForStableRing(probe, ring.nodes, target.timing.stabilizeMs * 2);
      await sleep(target.timing.fingerRefreshMs);
    }
    const release = (): void => {
      writeFileSync(used, '');
      rmSync(useLock, { recursive: true, force: true });
    };
    return { cluster, nodes: [...ring.nodes], oracle: new RingOracle(ring.nodes.map((n) => n.nodeId)), probe, trace, release };
  } catch (e) {
    await probe?.close();
    rmSync(useLock, { recursive: true, force: true });
    throw e;
  }
}

/** Asks the keeper to stop and waits until it has saved the logs; used by the global tear-down. */
export async function stopSharedRing(dir: string, timeoutMs = 60_000): Promise<boolean> {
  const pid = Number(readFileSafe(join(dir, 'keeper.pid')));
  if (!pid) return false;
  writeFileSync(join(dir, 'stop'), '');
  const deadline = Date.now() + timeoutMs;
  while (alive(pid) && Date.now() < deadline) await sleep(200);
  if (alive(pid)) process.kill(pid, 'SIGKILL');
  return true;
}
