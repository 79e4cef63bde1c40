// The Docker engine the harness drives: it answers, and the harness can create and remove its
// own labelled networks without leaving any behind. Never pulls an image (no registry is
// reachable from CI machines, and an attempted pull leaks DNS look-ups).

import { randomUUID } from 'node:crypto';

import Docker from 'dockerode';

const HARNESS_LABEL = 'sosimple-conformance';
/** A second label unique to this test run, so that parallel test files never see each other's networks. */
const RUN_LABEL = 'sosimple-conformance.test-run';
const runId = randomUUID();

const docker = new Docker();

async function labelledNetworks(...labels: string[]): Promise<Docker.NetworkInspectInfo[]> {
  return docker.listNetworks({ filters: { label: labels } });
}

describe('Docker engine', () => {
  afterAll(async () => {
    // Safety net when a test failed half-way: remove whatever this run created.
    for (const n of await labelledNetworks(`${RUN_LABEL}=${runId}`).catch(() => [])) {
      await docker.getNetwork(n.Id).remove().catch(() => undefined);
    }
  });

  it('answers (ping, version, info)', async () => {
    const pong: unknown = await docker.ping();
    expect(Buffer.isBuffer(pong) ? pong.toString() : String(pong)).toBe('OK');
    const version = await docker.version();
    expect(version.ApiVersion).toMatch(/^\d+\.\d+$/);
    const info = (await docker.info()) as { ServerVersion?: string };
    expect(typeof info.ServerVersion).toBe('string');
  });

  it(`creates a bridge network labelled ${HARNESS_LABEL}=1, removes it, and leaves none behind`, async () => {
    const name = `sosimple-engine-test-${runId.slice(0, 8)}`;
    const network = await docker.createNetwork({
      Name: name,
      Driver: 'bridge',
      CheckDuplicate: true,
      Labels: { [HARNESS_LABEL]: '1', [RUN_LABEL]: runId },
    });
    const inspected = await network.inspect();
    expect(inspected.Name).toBe(name);
    expect(inspected.Driver).toBe('bridge');
    expect(inspected.Labels).toMatchObject({ [HARNESS_LABEL]: '1' });

    const listed = await labelledNetworks(`${HARNESS_LABEL}=1`);
    expect(listed.map((n) => n.Id)).toContain(inspected.Id);

    await network.remove();

    expect(await labelledNetworks(`${RUN_LABEL}=${runId}`)).toEqual([]);
    const after = await labelledNetworks(`${HARNESS_LABEL}=1`);
    expect(after.map((n) => n.Id)).not.toContain(inspected.Id);
    await expect(docker.getNetwork(inspected.Id).inspect()).rejects.toMatchObject({ statusCode: 404 });
  });
});
