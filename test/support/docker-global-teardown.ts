// Global tear-down of the `docker` Jest project: every worker has exited, so whatever its
// rings left (a crashed worker's containers) belongs to a dead process and is swept.
import { engineAnswers, sweep } from '../../harness/cluster/docker-env';

export default async function teardown(): Promise<void> {
  if (!(await engineAnswers())) return;
  const swept = await sweep();
  if (swept.containers + swept.networks > 0) console.log(`swept ${swept.containers} container(s) and ${swept.networks} network(s) left by this run`);
}
