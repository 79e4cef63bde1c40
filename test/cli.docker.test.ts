// `ring up|status|down` with the docker driver, as a person runs them: each command is its own
// process, the ring outlives `ring up`, no run's sweep removes it, and `ring down` does.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { docker, LABEL_HANDSON, sweep } from '../harness/cluster/docker-env';

const root = join(__dirname, '..');

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', join(root, 'harness', 'cli.ts'), ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

async function objects(name: string): Promise<{ containers: number; networks: number }> {
  const filters = { label: [`${LABEL_HANDSON}=${name}`] };
  return { containers: (await docker().listContainers({ all: true, filters })).length, networks: (await docker().listNetworks({ filters })).length };
}

describe('a hands-on ring (docker)', () => {
  const name = `cli-test-${randomBytes(3).toString('hex')}`;
  afterAll(async () => {
    await cli(['ring', 'down', '--name', name]);
  }, 60_000);

  it('ring up starts a stable ring, prints it, and leaves it running; a sweep leaves it alone', async () => {
    const up = await cli(['ring', 'up', '--size', '3', '--name', name]);
    expect(up.code).toBe(0);
    const lines = up.stdout.trim().split('\n');
    expect(lines[0]).toMatch(new RegExp(`^ring ${name} \\(docker, network sosimple-handson-${name}, harness side 172\\.\\d+\\.\\d+\\.1\\):$`));
    expect(lines[1]).toMatch(/^NODE +NODE-ID +ADDRESS +SUCCESSOR \(S 1\) +PREDECESSOR \(P 1\)$/);
    expect(lines.slice(2, 5).map((l) => l.split(/\s+/)[0]).sort()).toEqual(['reference-1', 'reference-2', 'reference-3']);
    expect(lines[5]).toBe("ring stable: every running node's S 1 and P 1 match the oracle");
    expect(await objects(name)).toEqual({ containers: 3, networks: 1 });
    await sweep();
    expect(await objects(name)).toEqual({ containers: 3, networks: 1 });
  }, 120_000);

  it('refuses a second ring of the same name, exit 2', async () => {
    const again = await cli(['ring', 'up', '--size', '2', '--name', name]);
    expect(again.code).toBe(2);
    expect(again.stderr.trim()).toBe(`sosimple-conformance: a hands-on ring named ${name} is up already; see it with \`ring status --name ${name}\`, remove it with \`ring down --name ${name}\`, or pick another --name`);
  }, 60_000);

  it('ring status reads every node over the wire and compares with the oracle; a stopped node is left out of it', async () => {
    const ok = await cli(['ring', 'status', '--name', name]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/ring stable/);
    const [stopped] = await docker().listContainers({ filters: { label: [`${LABEL_HANDSON}=${name}`, 'sosimple-conformance.node=reference-2'] } });
    await docker().getContainer(stopped!.Id).stop({ t: 2 });
    const after = await cli(['ring', 'status', '--name', name]);
    expect(after.stdout).toMatch(/^reference-2 +[0-9a-f]{40} +\S+ +\(container exited\) +\(container exited\)$/m);
    expect(after.stdout).toMatch(/^not running, so left out of the oracle: reference-2 \(container exited\)$/m);
  }, 60_000);

  it('ring down removes its containers and network; a second down says there is no such ring (exit 2)', async () => {
    const down = await cli(['ring', 'down', '--name', name]);
    expect(down.code).toBe(0);
    expect(down.stdout.trim()).toBe(`ring ${name}: removed 3 container(s) and 1 network(s)`);
    expect(await objects(name)).toEqual({ containers: 0, networks: 0 });
    const again = await cli(['ring', 'down', '--name', name]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(new RegExp(`^sosimple-conformance: no hands-on ring named ${name} is up`));
  }, 60_000);
});
