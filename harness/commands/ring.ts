// `sosimple-conformance ring up|status|down`: a ring for a person to look at and poke.
//
// With the docker driver (the default) `ring up` starts the nodes, waits until the ring is
// stable, prints the table and exits; the containers stay. They are labelled as a hands-on
// ring (docker-env.ts, markHandsOn), so no run's sweep removes them; `ring status` finds them
// by that label and reads each node over the wire from a virtual node on the network's
// gateway; `ring down` removes them. With the process driver the nodes are children of
// `ring up`, which stays in the foreground until Ctrl-C and then stops them; `status` and
// `down` are docker-only.

import type { Command } from 'commander';
import type Docker from 'dockerode';
import { resolve } from 'node:path';
import { DockerCluster } from '../cluster/docker-driver';
import { assertEngine, docker, EnvironmentError, LABEL, LABEL_HANDSON, LABEL_RUN, markHandsOn, sweep } from '../cluster/docker-env';
import { ProcessCluster } from '../cluster/process-driver';
import { startRing, waitForStableRing } from '../cluster/ring';
import type { Cluster, RingNode } from '../cluster/cluster';
import { VirtualNode } from '../net/virtual-node';
import { nodeIdOf } from '../overlay/id';
import type { Target } from '../targets/schema';
import { defaultTargetPath, EXIT_FAILURES, EXIT_OK, loadTargetOrExplain, parseRingName, parseRingSize, shown, UsageError, type OnExit } from './common';
import { assertTargetImages } from './images';
import { describeNotReady, describeRingStartFailure } from './jest-results';
import { byRingOrder, formatTable, mismatches, readRows, type NodeRow, type TableNode } from './ring-table';

/** Hands-on rings also record their target file and SIP port, for `ring status`. */
export const LABEL_TARGET = `${LABEL}.target`;
export const LABEL_PORT = `${LABEL}.port`;
const LABEL_NODE = `${LABEL}.node`;

const DEFAULT_NAME = 'default';
const DEFAULT_SIZE = 4;

interface UpOptions {
  target?: string;
  size: number;
  driver: string;
  name: string;
}

export function registerRing(program: Command, onExit: OnExit): Command {
  const ring = program.command('ring').description('a hands-on ring: up, status, down');
  ring
    .command('up')
    .description('start a ring, wait until it is stable and print it (docker: the nodes stay up; process: runs until Ctrl-C)')
    .option('-t, --target <file>', 'target file (default: the reference node)')
    .option('-n, --size <n>', 'number of nodes, 2 to 64', parseRingSize, DEFAULT_SIZE)
    .option('-d, --driver <driver>', 'docker, or process (foreground until Ctrl-C)', 'docker')
    .option('--name <name>', 'the ring\'s name, for status and down', parseRingName, DEFAULT_NAME)
    .action(async (opts: UpOptions) => onExit(await ringUp(opts)));
  ring
    .command('status')
    .description('read every node of a hands-on ring over the wire and compare it with the oracle (exit 1 on a mismatch)')
    .option('--name <name>', 'the ring\'s name', parseRingName, DEFAULT_NAME)
    .action(async (opts: { name: string }) => onExit(await ringStatus(opts.name)));
  ring
    .command('down')
    .description('remove a hands-on ring\'s containers and network')
    .option('--name <name>', 'the ring\'s name', parseRingName, DEFAULT_NAME)
    .action(async (opts: { name: string }) => onExit(await ringDown(opts.name)));
  return ring;
}

const say = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

function runIdOf(name: string): string {
  return `handson-${name}`;
}

/** Long enough for a ring of `size` nodes to settle: a few stabilization periods. */
function settleMs(target: Target, size: number): number {
  return target.timing.stabilizeMs * (2 + Math.ceil(Math.log2(size)));
}

/** The names of the hands-on rings on the engine, and the containers of one of them. */
async function handsOn(name?: string): Promise<{ names: string[]; containers: Docker.ContainerInfo[]; networks: Docker.NetworkInspectInfo[] }> {
  const filter = { label: [name === undefined ? LABEL_HANDSON : `${LABEL_HANDSON}=${name}`] };
  const containers = await docker().listContainers({ all: true, filters: filter });
  const networks = await docker().listNetworks({ filters: filter });
  const names = [...new Set([...containers.map((c) => c.Labels[LABEL_HANDSON]!), ...networks.map((n) => n.Labels?.[LABEL_HANDSON] ?? '')].filter(Boolean))].sort();
  return { names, containers, networks };
}

async function noSuchRing(name: string): Promise<UsageError> {
  const { names } = await handsOn();
  return new UsageError(`no hands-on ring named ${name} is up${names.length ? ` (rings up: ${names.join(', ')}; pick one with --name)` : ' (start one with: sosimple-conformance ring up)'}`);
}

async function startAndSettle(cluster: Cluster, target: Target, size: number): Promise<{ nodes: RingNode[]; rows: NodeRow[]; probe: VirtualNode }> {
  let nodes: RingNode[];
  try {
    nodes = await startRing(cluster, target, size, { onProgress: say });
  } catch (e) {
    await cluster.close();
    const unreachable = e instanceof Error && e.name === 'NotReadyError' ? describeNotReady(e.message) : undefined;
    if (unreachable) throw new EnvironmentError(describeRingStartFailure(unreachable));
    throw e;
  }
  const probe = await VirtualNode.start({ host: cluster.harnessAddress, name: 'ring-status', defaultReply: 'silence' });
  const wait = settleMs(target, size);
  say(`waiting up to ${Math.round(wait / 1000)} s for every S 1 and P 1 to match the oracle…`);
  await waitForStableRing(probe, nodes, wait);
  return { nodes, rows: (await readRows(probe, nodes)).sort(byRingOrder), probe };
}

/** Prints the table and the mismatches; returns the exit code (1 when the ring is not as the oracle says). */
function printRing(rows: NodeRow[]): number {
  process.stdout.write(`${formatTable(rows)}\n`);
  const left = mismatches(rows);
  if (left.length === 0) {
    process.stdout.write(`ring stable: every running node's S 1 and P 1 match the oracle\n`);
    return EXIT_OK;
  }
  process.stdout.write(`${left.length} mismatch(es) against the oracle:\n${left.map((m) => `  ${m}`).join('\n')}\n`);
  return EXIT_FAILURES;
}

export async function ringUp(options: UpOptions): Promise<number> {
  if (options.driver !== 'docker' && options.driver !== 'process') throw new UsageError(`ring up: --driver must be docker or process, not "${options.driver}"`);
  const target = loadTargetOrExplain(options.target ?? defaultTargetPath());
  if (options.driver === 'process') return ringUpInForeground(target, options);

  await assertEngine();
  await assertTargetImages([target]);
  if ((await handsOn(options.name)).names.length > 0) {
    throw new UsageError(`a hands-on ring named ${options.name} is up already; see it with \`ring status --name ${options.name}\`, remove it with \`ring down --name ${options.name}\`, or pick another --name`);
  }
  const runId = runIdOf(options.name);
  markHandsOn(runId, options.name, { [LABEL_TARGET]: resolve(target.path), [LABEL_PORT]: String(target.port) });
  say(`ring ${options.name}: starting ${options.size} ${target.name} node(s) in containers (target ${shown(target.path)})`);
  const cluster = await DockerCluster.create({ runId });
  const { rows, probe } = await startAndSettle(cluster, target, options.size);
  await probe.close();
  process.stdout.write(`ring ${options.name} (docker, network ${cluster.networkName}, harness side ${cluster.harnessAddress}):\n`);
  const code = printRing(rows);
  say(`the nodes keep running: \`sosimple-conformance ring status --name ${options.name}\`, \`sosimple-conformance ring down --name ${options.name}\``);
  return code;
}

async function ringUpInForeground(target: Target, options: UpOptions): Promise<number> {
  if (!target.command) throw new UsageError(`${shown(target.path)}: target ${target.name} has no command, so the process driver cannot run it (use --driver docker)`);
  say(`ring ${options.name}: starting ${options.size} ${target.name} node(s) as local processes (target ${shown(target.path)})`);
  // Signals first: the process driver's own hook kills the nodes at once on Ctrl-C; this one
  // lets the command end with the ring stopped rather than by the signal.
  let stop!: () => void;
  const stopped = new Promise<void>((r) => (stop = r));
  const onSignal = (): void => stop();
  const cluster = new ProcessCluster();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const started = startAndSettle(cluster, target, options.size);
    // Interrupted while starting: the nodes are gone and `started` fails; that is expected.
    started.catch(() => undefined);
    const first = await Promise.race([started, stopped.then(() => undefined)]);
    if (!first) {
      await cluster.close();
      say(`ring ${options.name}: interrupted, nodes stopped`);
      return EXIT_FAILURES;
    }
    process.stdout.write(`ring ${options.name} (process driver, harness side ${cluster.harnessAddress}):\n`);
    printRing(first.rows);
    say(`ring ${options.name} runs in the foreground; Ctrl-C stops its ${first.nodes.length} nodes`);
    await stopped;
    await first.probe.close();
    await cluster.close();
    say(`ring ${options.name}: nodes stopped`);
    return EXIT_OK;
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}

export async function ringStatus(name: string): Promise<number> {
  await assertEngine();
  const { containers, networks } = await handsOn(name);
  if (containers.length === 0) throw await noSuchRing(name);
  const network = networks[0];
  const gateway = network ? ((await docker().getNetwork(network.Id).inspect()) as Docker.NetworkInspectInfo).IPAM?.Config?.[0]?.Gateway : undefined;
  if (!network || !gateway) throw new EnvironmentError(`ring ${name}: its network is gone or has no gateway; remove the ring with \`ring down --name ${name}\``);

  const nodes: TableNode[] = [];
  const down: NodeRow[] = [];
  const offNetwork: string[] = [];
  for (const c of containers) {
    const info = await docker().getContainer(c.Id).inspect();
    const endpoint = info.NetworkSettings.Networks[network.Name];
    // A stopped container keeps its configured address (IPAMConfig), so it keeps its row.
    const host = endpoint?.IPAddress || endpoint?.IPAMConfig?.IPv4Address || '';
    const port = Number(c.Labels[LABEL_PORT] ?? 5060);
    const name = c.Labels[LABEL_NODE] ?? info.Name.replace(/^\//, '');
    if (!host) offNetwork.push(`${name} (container ${info.State.Status}, not on the network)`);
    else if (info.State.Running && !info.State.Paused) nodes.push({ name, host, port, nodeId: nodeIdOf(host, port) });
    else down.push({ name, host, port, nodeId: nodeIdOf(host, port), down: `container ${info.State.Paused ? 'paused' : info.State.Status}` });
  }
  let probe: VirtualNode;
  try {
    probe = await VirtualNode.start({ host: gateway, name: 'ring-status', defaultReply: 'silence' });
  } catch (e) {
    throw new EnvironmentError(`cannot bind a virtual node on the ring network's gateway ${gateway} (${(e as Error).message}); ring status must run on the Docker engine's host`);
  }
  try {
    const rows = [...(await readRows(probe, nodes)), ...down].sort(byRingOrder);
    const target = containers[0]!.Labels[LABEL_TARGET];
    process.stdout.write(`ring ${name} (docker, network ${network.Name}, ${containers.length} node(s)${target ? `, target ${shown(target)}` : ''}; read from ${gateway}:${probe.port}):\n`);
    const code = printRing(rows);
    if (down.length) process.stdout.write(`not running, so left out of the oracle: ${down.map((d) => `${d.name} (${d.down})`).join(', ')}\n`);
    if (offNetwork.length) process.stdout.write(`not on the ring's network: ${offNetwork.join(', ')}\n`);
    return code;
  } finally {
    await probe.close();
  }
}

export async function ringDown(name: string): Promise<number> {
  await assertEngine();
  const { containers, networks } = await handsOn(name);
  if (containers.length === 0 && networks.length === 0) throw await noSuchRing(name);
  const runIds = new Set([...containers.map((c) => c.Labels[LABEL_RUN]), ...networks.map((n) => n.Labels?.[LABEL_RUN])].filter((r): r is string => Boolean(r)));
  let removed = { containers: 0, networks: 0 };
  for (const runId of runIds) {
    const r = await sweep(runId);
    removed = { containers: removed.containers + r.containers, networks: removed.networks + r.networks };
  }
  process.stdout.write(`ring ${name}: removed ${removed.containers} container(s) and ${removed.networks} network(s)\n`);
  return EXIT_OK;
}
