// No container or network outlives a run: not after a failing or timed-out test, not after
// SIGINT, and a run killed outright (SIGKILL) is swept by the next one.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { docker, LABEL_RUN, sweep } from '../harness/cluster/docker-env';

const root = join(__dirname, '..');

async function leftovers(runId: string): Promise<{ containers: number; networks: number }> {
  const filters = { label: [`${LABEL_RUN}=${runId}`] };
  const containers = await docker().listContainers({ all: true, filters });
  const networks = await docker().listNetworks({ filters });
  return { containers: containers.length, networks: networks.length };
}

function holdRing(runId: string): { ready: Promise<void>; exited: Promise<number | null>; kill: (s: NodeJS.Signals) => void } {
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', join(__dirname, 'support', 'hold-ring.ts'), runId], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? -1 : null))));
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => d.toString().includes('READY') && resolve());
    void exited.then(() => reject(new Error(`hold-ring exited before READY: ${err}`)));
  });
  return { ready, exited, kill: (s) => child.kill(s) };
}

const newRunId = (): string => `cleanup-${randomBytes(4).toString('hex')}`;

describe('clean-up of containers and networks', () => {
  it('removes everything after a test that fails and one that times out', async () => {
    const runId = newRunId();
    const config = JSON.stringify({ rootDir: root, preset: 'ts-jest', testEnvironment: 'node', testMatch: ['<rootDir>/test/support/failing-ring.jestfixture.ts'], transform: { '^.+\\.ts$': ['ts-jest', { isolatedModules: true }] } });
    const child = spawn(process.execPath, [join(root, 'node_modules', 'jest', 'bin', 'jest.js'), '--config', config, '--ci'], { cwd: root, env: { ...process.env, SOSIMPLE_TEST_RUN_ID: runId }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(out).toMatch(/2 failed/);
    expect(code).toBe(1);
    expect(await leftovers(runId)).toEqual({ containers: 0, networks: 0 });
  }, 120_000);

  it('removes everything when the run is interrupted (SIGINT)', async () => {
    const runId = newRunId();
    const ring = holdRing(runId);
    await ring.ready;
    expect(await leftovers(runId)).toEqual({ containers: 2, networks: 1 });
    ring.kill('SIGINT');
    await ring.exited;
    expect(await leftovers(runId)).toEqual({ containers: 0, networks: 0 });
  }, 120_000);

  it('sweeps what a run killed outright (SIGKILL) left, at the next start', async () => {
    const runId = newRunId();
    const ring = holdRing(runId);
    await ring.ready;
    ring.kill('SIGKILL');
    await ring.exited;
    expect(await leftovers(runId)).toEqual({ containers: 2, networks: 1 });
    await sweep(); // what DockerCluster.create does first
    expect(await leftovers(runId)).toEqual({ containers: 0, networks: 0 });
  }, 120_000);
});
