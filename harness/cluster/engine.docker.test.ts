// The Docker engine the harness drives: it answers, the harness labels what it creates, and
// the sweep removes what a dead run left behind without touching a live run's objects.
// Never pulls an image (no registry is reachable, and an attempted pull leaks DNS look-ups).

import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { assertEngine, assertImage, docker, EnvironmentError, LABEL, LABEL_HOST, LABEL_PID, LABEL_RUN, labels, sweep } from './docker-env';

const runId = `engine-test-${randomUUID().slice(0, 8)}`;

async function networksOf(run: string): Promise<string[]> {
  const list = await docker().listNetworks({ filters: { label: [`${LABEL_RUN}=${run}`] } });
  return list.map((n) => n.Name).sort();
}

describe('Docker engine', () => {
  afterAll(async () => {
    await sweep(runId);
    await sweep(`${runId}-dead`);
  });

  it('answers', async () => {
    await expect(assertEngine()).resolves.toBeUndefined();
    const version = await docker().version();
    expect(version.ApiVersion).toMatch(/^\d+\.\d+$/);
  });

  it('names a missing image clearly instead of pulling it', async () => {
    const tag = `sosimple-no-such-image:${runId}`;
    await expect(assertImage(tag, 'build it first')).rejects.toThrow(EnvironmentError);
    await expect(assertImage(tag, 'build it first')).rejects.toThrow(`image ${tag} is not on this Docker engine (nothing is pulled); build it first`);
  });

  it(`labels its networks ${LABEL}=1 and sweeps a dead run's leftovers, not a live run's`, async () => {
    const live = await docker().createNetwork({ Name: `${runId}-live`, Driver: 'bridge', Labels: labels(runId) });
    // A process that no longer exists on this host created this one.
    const deadLabels = { ...labels(`${runId}-dead`), [LABEL_PID]: '999999999', [LABEL_HOST]: hostname() };
    await docker().createNetwork({ Name: `${runId}-dead`, Driver: 'bridge', Labels: deadLabels });
    expect(await networksOf(runId)).toEqual([`${runId}-live`]);

    await sweep();
    expect(await networksOf(`${runId}-dead`)).toEqual([]);
    expect(await networksOf(runId)).toEqual([`${runId}-live`]);

    await sweep(runId);
    expect(await networksOf(runId)).toEqual([]);
    await expect(live.inspect()).rejects.toMatchObject({ statusCode: 404 });
  });
});
