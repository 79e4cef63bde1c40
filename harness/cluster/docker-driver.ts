// The docker driver: nodes of any target image in containers on a bridge network the harness
// creates, each at a fixed address so a partition-and-heal keeps its node ID. Virtual nodes
// bind on the network's gateway address, which the containers reach. Everything carries the
// harness's labels; close() removes it, an interrupt removes it, and a run killed outright is
// swept by the next one (docker-env.ts).

import type Docker from 'dockerode';
import { randomBytes } from 'node:crypto';
import { nodeIdOf } from '../overlay/id';
import { VirtualNode } from '../net/virtual-node';
import { nodeEnv } from '../targets/env';
import type { Target } from '../targets/schema';
import { contractValues, type Cluster, type RingNode, type StartOptions } from './cluster';
import { assertEngine, assertImage, docker, EnvironmentError, labels, sweep } from './docker-env';
import { waitUntilAnswering } from './readiness';

interface Container {
  node: RingNode;
  container: Docker.Container;
  exited?: string;
  gone?: boolean;
}

export interface DockerClusterOptions {
  /** Names this run's objects; default random. */
  runId?: string;
}

/** Splits Docker's multiplexed log stream (8-byte frame headers) into text. */
export function demuxLogs(buffer: Buffer): string {
  const out: string[] = [];
  let i = 0;
  while (i + 8 <= buffer.length) {
    const size = buffer.readUInt32BE(i + 4);
    out.push(buffer.subarray(i + 8, i + 8 + size).toString('utf8'));
    i += 8 + size;
  }
  return i === 0 ? buffer.toString('utf8') : out.join('');
}

export class DockerCluster implements Cluster {
  readonly driver = 'docker' as const;
  readonly runId: string;
  private network?: Docker.Network;
  private subnetPrefix = '';
  private gateway = '';
  private readonly containers: Container[] = [];
  private nextIndex = 0;
  private probe?: VirtualNode;
  private closed = false;
  private readonly onSignal = (signal: NodeJS.Signals): void => {
    void this.close().finally(() => process.kill(process.pid, signal));
  };

  private constructor(options: DockerClusterOptions) {
    this.runId = options.runId ?? `run-${randomBytes(4).toString('hex')}`;
  }

  /** Checks the engine, sweeps dead runs' leftovers, and creates this run's network. */
  static async create(options: DockerClusterOptions = {}): Promise<DockerCluster> {
    await assertEngine();
    await sweep();
    const cluster = new DockerCluster(options);
    await cluster.createNetwork();
    process.once('SIGINT', cluster.onSignal);
    process.once('SIGTERM', cluster.onSignal);
    return cluster;
  }

  get harnessAddress(): string {
    return this.gateway;
  }

  get networkName(): string {
    return `sosimple-${this.runId}`;
  }

  get nodes(): readonly RingNode[] {
    return this.containers.filter((c) => c.exited === undefined && !c.gone).map((c) => c.node);
  }

  /** A /24 in 172.28.0.0/14 not used by another network; retried on a clash. */
  private async createNetwork(): Promise<void> {
    let lastError: unknown;
    for (let attempt = 0; attempt < 12; attempt++) {
      const b = 28 + (randomBytes(1)[0]! % 4);
      const c = randomBytes(1)[0]!;
      const prefix = `172.${b}.${c}`;
      try {
        this.network = await docker().createNetwork({
          Name: this.networkName,
          Driver: 'bridge',
          CheckDuplicate: true,
          Labels: labels(this.runId),
          IPAM: { Driver: 'default', Config: [{ Subnet: `${prefix}.0/24`, Gateway: `${prefix}.1` }] },
        });
        this.subnetPrefix = prefix;
        this.gateway = `${prefix}.1`;
        return;
      } catch (e) {
        lastError = e;
      }
    }
    throw new EnvironmentError(`could not create a Docker network for the ring: ${lastError instanceof Error ? lastError.message : String(lastError)}`);
  }

  async start(target: Target, options: StartOptions = {}): Promise<RingNode> {
    if (this.closed) throw new Error('the cluster is closed');
    if (!target.image) throw new EnvironmentError(`${target.path}: target ${target.name} names no image; build it and set image:`);
    // Taken before the first await, so nodes started at once get different addresses.
    const index = this.nextIndex++;
    await assertImage(target.image, `build it first (for the reference node: nodes/reference/build-image.sh --tag-latest)`);
    if (index > 240) throw new EnvironmentError('a ring on one network holds at most 240 containers');
    const host = `${this.subnetPrefix}.${10 + index}`;
    const port = target.port;
    const name = options.name ?? `${target.name}-${index + 1}`;
    const node: RingNode = { name, host, port, nodeId: nodeIdOf(host, port), target };
    const env = nodeEnv(target, contractValues(host, port, options));
    const container = await docker().createContainer({
      name: `${this.networkName}-${name}`,
      Image: target.image,
      Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
      Labels: { ...labels(this.runId), 'sosimple-conformance.node': name },
      HostConfig: { NetworkMode: this.networkName, AutoRemove: false },
      NetworkingConfig: { EndpointsConfig: { [this.networkName]: { IPAMConfig: { IPv4Address: host } } } },
    });
    const record: Container = { node, container };
    this.containers.push(record);
    await container.start();
    void container.wait().then(
      (r: { StatusCode?: number }) => {
        record.exited ??= `exit code ${r.StatusCode ?? '?'}`;
      },
      () => undefined,
    );
    try {
      await waitUntilAnswering(await this.getProbe(), node, {
        timeoutMs: options.readyTimeoutMs ?? 20_000,
        ...(options.overlay ? { overlay: options.overlay } : {}),
        isAlive: () => record.exited,
      });
    } catch (e) {
      const logs = await this.logs(node).catch(() => '');
      await this.remove(record);
      if (e instanceof Error && logs) e.message += `; container output: ${logs.trim().slice(-800)}`;
      throw e;
    }
    return node;
  }

  private async getProbe(): Promise<VirtualNode> {
    this.probe ??= await VirtualNode.start({ host: this.gateway, name: 'readiness-probe', defaultReply: 'silence' });
    return this.probe;
  }

  private record(node: RingNode): Container {
    const c = this.containers.find((x) => x.node === node);
    if (!c) throw new Error(`node ${node.name} is not part of this cluster`);
    return c;
  }

  async stop(node: RingNode): Promise<void> {
    const c = this.record(node);
    await c.container.unpause().catch(() => undefined);
    await c.container.stop({ t: 10 }).catch(() => undefined);
    c.exited ??= 'stopped';
  }

  async kill(node: RingNode): Promise<void> {
    const c = this.record(node);
    await c.container.kill().catch(() => undefined);
    c.exited ??= 'killed';
  }

  async pause(node: RingNode): Promise<void> {
    await this.record(node).container.pause();
  }

  async unpause(node: RingNode): Promise<void> {
    await this.record(node).container.unpause();
  }

  async disconnect(node: RingNode): Promise<void> {
    await this.network!.disconnect({ Container: this.record(node).container.id, Force: true });
  }

  async reconnect(node: RingNode): Promise<void> {
    await this.network!.connect({ Container: this.record(node).container.id, EndpointConfig: { IPAMConfig: { IPv4Address: node.host } } });
  }

  async logs(node: RingNode): Promise<string> {
    const raw = (await this.record(node).container.logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer;
    return demuxLogs(Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw)));
  }

  private async remove(c: Container): Promise<void> {
    c.gone = true;
    await c.container.remove({ force: true, v: true }).catch(() => undefined);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    process.removeListener('SIGINT', this.onSignal);
    process.removeListener('SIGTERM', this.onSignal);
    await this.probe?.close().catch(() => undefined);
    await Promise.all(this.containers.map((c) => this.remove(c)));
    await this.network?.remove().catch(() => undefined);
    // Anything else labelled with this run (a container created while closing).
    await sweep(this.runId);
  }
}
