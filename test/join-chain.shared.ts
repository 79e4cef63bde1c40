// One join-chain test for both drivers: a ring of reference nodes forms, a virtual node joins
// through a bootstrap node, and every hop of its chain is judged against the ring oracle.

import { join } from 'node:path';
import type { Cluster, RingNode } from '../harness/cluster/cluster';
import { startRing, waitForStableRing } from '../harness/cluster/ring';
import { artifactsDir, saveArtifacts } from '../harness/cluster/artifacts';
import { VirtualNode } from '../harness/net/virtual-node';
import { followRedirects } from '../harness/net/redirects';
import { RingOracle } from '../harness/overlay/oracle';
import { nodeRegister } from '../harness/sip/craft';
import { checkMessage } from '../harness/sip/check';
import { loadTarget } from '../harness/targets/target';
import type { Target } from '../harness/targets/schema';

export const referenceTarget = (): Target => loadTarget(join(__dirname, '..', 'targets', 'reference.yaml'));

export function describeJoinChain(label: string, makeCluster: () => Promise<Cluster>, size: number): void {
  describe(`join chain on a ${size}-node reference ring (${label} driver)`, () => {
    let cluster: Cluster;
    let nodes: RingNode[];
    let joiner: VirtualNode;
    const target = referenceTarget();

    beforeAll(async () => {
      cluster = await makeCluster();
      nodes = await startRing(cluster, target, size);
      joiner = await VirtualNode.start({ host: cluster.harnessAddress, name: 'joiner', defaultReply: 'silence' });
    }, 120_000);

    afterAll(async () => {
      if (cluster && nodes) await saveArtifacts(artifactsDir(`join-chain-${label}`), cluster, nodes, joiner ? [joiner.trace] : []);
      await joiner?.close();
      await cluster?.close();
    }, 60_000);

    it('the ring stabilizes to the oracle (SOS-RING-2)', async () => {
      const left = await waitForStableRing(joiner, nodes, target.timing.stabilizeMs * size);
      expect(left).toEqual([]);
    }, 120_000);

    it.each([0, Math.floor(size / 2)])('a virtual node joining through node %i follows a chain the oracle accepts (SOS-JOIN-1/2/3)', async (b) => {
      const oracle = new RingOracle(nodes.map((n) => n.nodeId));
      const key = joiner.nodeId;
      const chain = await followRedirects(joiner, nodes[b]!, (to) => nodeRegister(joiner.endpoint, to));
      expect(chain.stoppedBecause).toBeUndefined();
      const byId = new Map(nodes.map((n) => [n.nodeId, n]));
      let at = nodes[b]!.nodeId;
      for (const hop of chain.hops.slice(0, -1)) {
        expect(hop.status).toBe(302);
        expect(checkMessage(hop.response, { role: 'redirect' }).filter((f) => f.severity === 'error')).toEqual([]);
        expect(oracle.redirectProblem(at, hop.next!.nodeId!, key)).toBeUndefined();
        expect(byId.has(hop.next!.nodeId!)).toBe(true);
        at = hop.next!.nodeId!;
      }
      const last = chain.hops[chain.hops.length - 1]!;
      expect({ status: last.status, answeredBy: at }).toEqual({ status: 200, answeredBy: oracle.responsibleNode(key) });
      expect(checkMessage(last.response, { role: 'join-ok' }).filter((f) => f.severity === 'error')).toEqual([]);
      expect(chain.hops.length - 1).toBeLessThanOrEqual(Math.ceil(Math.log2(size)) + 1);
    }, 60_000);
  });
}
