// Global set-up of the `conformance` Jest project: a folder for the run's shared ring
// (suites/support/shared-ring.ts; the first suite that needs it starts it), and, when the
// suites will use Docker (driver docker, or auto with an engine answering), the reference
// image and a sweep of dead runs' leftovers. With the process driver, nothing is built.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { engineAnswers } from '../../harness/cluster/docker-env';
import dockerSetup from './docker-global-setup';

export default async function setup(): Promise<void> {
  process.env.SOSIMPLE_SHARED_DIR = mkdtempSync(join(tmpdir(), 'sosimple-shared-ring-'));
  process.env.SOSIMPLE_RUN_PID = String(process.pid);
  const driver = process.env.SOSIMPLE_DRIVER ?? 'auto';
  if (driver === 'process') return;
  if (driver === 'auto' && !(await engineAnswers())) {
    console.log('\nconformance suites: no Docker engine answers, so they run with the process driver');
    return;
  }
  await dockerSetup();
}
