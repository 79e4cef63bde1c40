// Global tear-down of the `conformance` Jest project: stop the run's shared ring (its keeper
// saves every node's log, kept under artifacts/shared-ring/), then sweep what dead workers left.
import { cpSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { artifactsDir } from '../../harness/cluster/artifacts';
import { stopSharedRing } from '../../suites/support/shared-ring';
import dockerTeardown from './docker-global-teardown';

export default async function teardown(): Promise<void> {
  const dir = process.env.SOSIMPLE_SHARED_DIR;
  if (dir && existsSync(dir)) {
    if (await stopSharedRing(dir)) {
      for (const name of ['logs', 'keeper.log', 'ring.json']) {
        const from = join(dir, name);
        if (existsSync(from)) cpSync(from, join(artifactsDir('shared-ring'), name), { recursive: true });
      }
    }
    rmSync(dir, { recursive: true, force: true });
  }
  await dockerTeardown();
}
