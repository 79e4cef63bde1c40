// The committed capture example (fixtures/pcap/node-query-missing-s1.*) proves its point on
// live rings: the fixture pcap2fixture derived from a faulty node's capture fails against a
// ring whose node has that fault (dht-link-missing-s1), for the reason the catalogue gives,
// and passes against a correct ring.
//
// SOSIMPLE_RECAPTURE_EXAMPLE=1 makes the example again instead: a 3-node ring whose second
// node has the fault, captured with tcpdump on the ring's Docker bridge (UDP only), cut after
// the first failing answer, and turned into the fixture and its note with pcap2fixture.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { DockerCluster } from '../harness/cluster/docker-driver';
import { docker } from '../harness/cluster/docker-env';
import type { RingNode } from '../harness/cluster/cluster';
import { startRing, waitForStableRing } from '../harness/cluster/ring';
import { pcap2fixture } from '../harness/commands/pcap2fixture';
import { loadFixture } from '../harness/fixtures';
import { describeVerdict, playFixture, type PlayVerdict } from '../harness/fixtures/player';
import { VirtualNode } from '../harness/net/virtual-node';
import { RingOracle } from '../harness/overlay/oracle';
import { extractSipFromFile } from '../harness/pcap/extract';
import { loadTarget } from '../harness/targets/target';

const ROOT = join(__dirname, '..');
const NAME = 'node-query-missing-s1';
const DIR = join(ROOT, 'fixtures', 'pcap');
const FAULT = 'dht-link-missing-s1';
const target = loadTarget(join(ROOT, 'targets', 'reference.yaml'));
const recapture = process.env.SOSIMPLE_RECAPTURE_EXAMPLE === '1';

interface LiveRing {
  cluster: DockerCluster;
  nodes: RingNode[];
  probe: VirtualNode;
}

/** A docker ring of `size` reference nodes; node `faulty` (if any) runs with the fault switch. */
async function ringWith(size: number, faulty?: number): Promise<LiveRing> {
  const cluster = await DockerCluster.create();
  try {
    const nodes = await startRing(cluster, target, size, { perNode: (i) => (i === faulty ? { faults: [FAULT] } : {}) });
    const probe = await VirtualNode.start({ host: cluster.harnessAddress, name: 'probe', defaultReply: 'silence' });
    return { cluster, nodes, probe };
  } catch (e) {
    await cluster.close();
    throw e;
  }
}

async function play(live: LiveRing, node: RingNode): Promise<PlayVerdict> {
  const fixture = loadFixture(join(DIR, `${NAME}.yaml`));
  return playFixture(fixture, { cluster: live.cluster, nodes: live.nodes, oracle: new RingOracle(live.nodes.map((n) => n.nodeId)), target }, { target: node });
}

const describeReplay = recapture ? describe.skip : describe;
const describeRecapture = recapture ? describe : describe.skip;

describeReplay(`the committed example ${NAME}`, () => {
  describe(`against a 4-node ring whose node 2 runs with ${FAULT}`, () => {
    let live: LiveRing | undefined;
    beforeAll(async () => {
      live = await ringWith(4, 1);
      // Not every pointer can settle (the faulty node hides its S 1): wait the bounds the target declares.
      await waitForStableRing(live.probe, live.nodes, target.timing.stabilizeMs * 2);
      await new Promise((r) => setTimeout(r, target.timing.fingerRefreshMs));
    }, 240_000);
    afterAll(async () => {
      await live?.probe.close();
      await live?.cluster.close();
    }, 60_000);

    it('SOS-LOOKUP-5 fails at the faulty node, naming the missing S 1 with the checker\'s finding', async () => {
      const v = await play(live!, live!.nodes[1]!);
      expect(v.outcome).toBe('failed');
      const mismatches = v.steps[0]!.mismatches;
      expect(mismatches.map((m) => m.what)).toEqual(expect.arrayContaining(['DHT-Link S 1', 'SOS-LOOKUP-5 (checker)']));
      expect(mismatches.find((m) => m.what === 'DHT-Link S 1')).toMatchObject({ expected: 'present' });
      expect(describeVerdict(v)).toContain('DHT-Link S 1: expected present / actual');
    }, 60_000);
  });

  describe('against a correct 4-node ring', () => {
    let live: LiveRing | undefined;
    beforeAll(async () => {
      live = await ringWith(4);
      const left = await waitForStableRing(live.probe, live.nodes, target.timing.stabilizeMs * 2);
      expect(left).toEqual([]);
      await new Promise((r) => setTimeout(r, target.timing.fingerRefreshMs));
    }, 240_000);
    afterAll(async () => {
      await live?.probe.close();
      await live?.cluster.close();
    }, 60_000);

    it('SOS-LOOKUP-5 passes at every node', async () => {
      const verdicts: PlayVerdict[] = [];
      for (const node of live!.nodes) verdicts.push(await play(live!, node));
      expect(verdicts.filter((v) => v.outcome !== 'passed').map(describeVerdict)).toEqual([]);
    }, 60_000);
  });
});

describeRecapture(`re-capturing the example ${NAME}`, () => {
  let dir: string;
  let tcpdump: ChildProcess | undefined;
  let cluster: DockerCluster | undefined;
  afterAll(async () => {
    tcpdump?.kill('SIGINT');
    await cluster?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('captures a 3-node ring whose node 2 has the fault, cuts the capture and derives the fixture', async () => {
    dir = mkdtempSync(join(tmpdir(), 'sosimple-recapture-'));
    const full = join(dir, 'full.pcap');
    cluster = await DockerCluster.create();
    const network = await docker().getNetwork(cluster.networkName).inspect();
    const iface = `br-${String(network.Id).slice(0, 12)}`;
    // -U writes each packet at once; -Z root keeps the right to write into our temporary folder.
    tcpdump = spawn('tcpdump', ['-i', iface, '-n', '-U', '-s', '0', '-Z', 'root', '-w', full, 'udp'], { stdio: ['ignore', 'ignore', 'pipe'] });
    await new Promise<void>((resolve, reject) => {
      let said = '';
      tcpdump!.stderr!.on('data', (d: Buffer) => {
        said += d.toString();
        if (said.includes('listening on')) resolve();
      });
      tcpdump!.once('exit', (code) => reject(new Error(`tcpdump exited with ${code}: ${said}`)));
    });
    await startRing(cluster, target, 3, { perNode: (i) => (i === 1 ? { faults: [FAULT] } : {}) });
    await new Promise((r) => setTimeout(r, 2 * target.timing.stabilizeMs));
    await new Promise<void>((resolve) => {
      tcpdump!.once('exit', () => resolve());
      tcpdump!.kill('SIGINT');
    });
    tcpdump = undefined;
    await cluster.close();
    cluster = undefined;

    // Keep the packets up to the first failing answer: the ring forming, then the failure.
    const first = pcap2fixture(full);
    const last = Math.max(...first.frames);
    const pcap = join(DIR, `${NAME}.pcap`);
    if (spawnSync('editcap', ['-r', full, join(dir, 'cut.pcap'), `1-${last}`]).status !== 0) throw new Error('editcap failed');
    mkdirSync(DIR, { recursive: true });
    copyFileSync(join(dir, 'cut.pcap'), pcap);
    const derived = pcap2fixture(relative(process.cwd(), pcap), { out: join(DIR, `${NAME}.yaml`) });
    expect(existsSync(derived.written!.note)).toBe(true);
    expect(extractSipFromFile(pcap).summary.packets).toBe(last);
    console.log(`wrote ${pcap} (${last} packets), ${derived.written!.fixture} and ${derived.written!.note}`);
  }, 240_000);
});
