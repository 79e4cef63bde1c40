// Global set-up of the `docker` Jest project: a clear failure when no engine answers, a sweep
// of what killed runs left behind, and the reference node's image (rebuilt only when its
// inputs changed: build-image.sh tags it with a hash of them). Nothing is pulled.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { assertEngine, sweep } from '../../harness/cluster/docker-env';

export default async function setup(): Promise<void> {
  await assertEngine();
  const swept = await sweep();
  if (swept.containers + swept.networks > 0) console.log(`\nswept ${swept.containers} container(s) and ${swept.networks} network(s) left by earlier runs`);
  const script = join(__dirname, '..', '..', 'nodes', 'reference', 'build-image.sh');
  const image = execFileSync(script, ['--tag-latest'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim().split('\n').pop();
  console.log(`reference node image: ${image} (tagged sosimple-reference:latest)`);
}
