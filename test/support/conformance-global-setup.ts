// Global set-up of the `conformance` Jest project: when the suites will use Docker (driver
// docker, or auto with an engine answering), make sure the reference image exists and sweep
// dead runs' leftovers; with the process driver, build nothing.
import { engineAnswers } from '../../harness/cluster/docker-env';
import dockerSetup from './docker-global-setup';

export default async function setup(): Promise<void> {
  const driver = process.env.SOSIMPLE_DRIVER ?? 'auto';
  if (driver === 'process') return;
  if (driver === 'auto' && !(await engineAnswers())) {
    console.log('\nconformance suites: no Docker engine answers, so they run with the process driver');
    return;
  }
  await dockerSetup();
}
