// Run by cleanup.docker.test.ts in a child Jest: a ring starts, a test fails and another
// times out; afterAll must still remove every container and the network.
import { join } from 'node:path';
import { DockerCluster } from '../../harness/cluster/docker-driver';
import { startRing } from '../../harness/cluster/ring';
import { loadTarget } from '../../harness/targets/target';

let cluster: DockerCluster;
beforeAll(async () => {
  cluster = await DockerCluster.create({ runId: process.env.SOSIMPLE_TEST_RUN_ID! });
  await startRing(cluster, loadTarget(join(__dirname, '..', '..', 'targets', 'reference.yaml')), 2);
}, 60_000);
afterAll(() => cluster?.close(), 60_000);

it('fails on purpose', () => {
  expect(cluster.nodes.length).toBe(3);
});

it('times out on purpose', () => new Promise(() => undefined), 500);
