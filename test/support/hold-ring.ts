// Child process for the clean-up tests: starts a 2-node reference ring in run <runId>,
// prints READY, and waits to be interrupted or killed.
import { join } from 'node:path';
import { DockerCluster } from '../../harness/cluster/docker-driver';
import { startRing } from '../../harness/cluster/ring';
import { loadTarget } from '../../harness/targets/target';

async function main(): Promise<void> {
  const runId = process.argv[2]!;
  const cluster = await DockerCluster.create({ runId });
  await startRing(cluster, loadTarget(join(__dirname, '..', '..', 'targets', 'reference.yaml')), 2);
  process.stdout.write('READY\n');
  setInterval(() => undefined, 1000);
}

main().catch((e: unknown) => {
  process.stderr.write(`hold-ring: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(2);
});
