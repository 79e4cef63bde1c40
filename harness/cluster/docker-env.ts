// The Docker engine as the harness uses it: one client, a clear error when no engine answers
// or an image is missing (nothing is ever pulled), labels on everything it creates, and a
// sweep of what earlier runs left behind (Ryuk is not available, so we clean up ourselves).

import Docker from 'dockerode';
import { hostname } from 'node:os';

/** Every container and network the harness creates carries this label. */
export const LABEL = 'sosimple-conformance';
export const LABEL_RUN = `${LABEL}.run`;
export const LABEL_PID = `${LABEL}.pid`;
export const LABEL_HOST = `${LABEL}.host`;
/** On a hands-on ring's objects (`sosimple-conformance ring up`); the value is the ring's name. */
export const LABEL_HANDSON = `${LABEL}.handson`;

/** The engine, the image or the network is not there: an environment problem (CLI exit 2). */
export class EnvironmentError extends Error {
  override name = 'EnvironmentError';
}

let client: Docker | undefined;

/** One client per process; honours DOCKER_HOST like the docker CLI does. */
export function docker(): Docker {
  client ??= new Docker();
  return client;
}

function where(): string {
  return process.env.DOCKER_HOST ?? '/var/run/docker.sock';
}

/** Throws EnvironmentError with what to do when no engine answers within `timeoutMs`. */
export async function assertEngine(timeoutMs = 5000): Promise<void> {
  const ping = docker().ping();
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs).unref());
  try {
    await Promise.race([ping, timeout]);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new EnvironmentError(`no Docker engine answers at ${where()} (${why}); start one with scripts/docker-engine.sh start, or use --driver process`);
  }
}

/** Is an engine answering? (For `--driver auto` and for skipping Docker tests with a reason.) */
export async function engineAnswers(timeoutMs = 3000): Promise<boolean> {
  try {
    await assertEngine(timeoutMs);
    return true;
  } catch {
    return false;
  }
}

/** Throws EnvironmentError when the image is not present locally. The harness never pulls. */
export async function assertImage(tag: string, hint?: string): Promise<void> {
  try {
    await docker().getImage(tag).inspect();
  } catch {
    throw new EnvironmentError(`image ${tag} is not on this Docker engine (nothing is pulled)${hint ? `; ${hint}` : ''}`);
  }
}

const handsOnRuns = new Map<string, Record<string, string>>();

/**
 * Makes run `runId` a hands-on ring (`ring up`): its objects carry LABEL_HANDSON=<name> (and
 * `extra`) instead of an owner PID, so they outlive the command that made them and sweep()
 * never removes them; `ring down` does, with sweep(runId).
 */
export function markHandsOn(runId: string, name: string, extra: Record<string, string> = {}): void {
  handsOnRuns.set(runId, { ...extra, [LABEL_HANDSON]: name });
}

/** The labels for an object created by this process in run `runId`. */
export function labels(runId: string): Record<string, string> {
  const handsOn = handsOnRuns.get(runId);
  if (handsOn) return { [LABEL]: '1', [LABEL_RUN]: runId, ...handsOn };
  return { [LABEL]: '1', [LABEL_RUN]: runId, [LABEL_PID]: String(process.pid), [LABEL_HOST]: hostname() };
}

function isHandsOn(l: Record<string, string> | undefined): boolean {
  return l?.[LABEL_HANDSON] !== undefined;
}

/**
 * True when the process that created the object still runs, and also for objects a person
 * made by hand (docker-compose.test.yml carries no owner PID): the sweep never touches those.
 */
function ownerAlive(l: Record<string, string> | undefined): boolean {
  if (!l || l[LABEL_PID] === undefined) return true;
  // Another machine's run on a shared engine: its owner cannot be checked from here.
  if (l[LABEL_HOST] !== hostname()) return true;
  const pid = Number(l[LABEL_PID]);
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface SweepResult {
  containers: number;
  networks: number;
}

/**
 * Removes labelled containers and networks. With `runId`, exactly that run's; without,
 * those whose creating process on this host is gone (a run killed by SIGKILL), so that
 * parallel Jest workers never remove each other's rings, and never a hands-on ring.
 */
export async function sweep(runId?: string): Promise<SweepResult> {
  const d = docker();
  const filters = { label: [runId ? `${LABEL_RUN}=${runId}` : `${LABEL}=1`] };
  const result: SweepResult = { containers: 0, networks: 0 };
  const containers = await d.listContainers({ all: true, filters });
  await Promise.all(
    containers
      .filter((c) => runId !== undefined || (!isHandsOn(c.Labels) && !ownerAlive(c.Labels)))
      .map(async (c) => {
        await d.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined);
        result.containers++;
      }),
  );
  const networks = await d.listNetworks({ filters });
  for (const n of networks) {
    if (runId === undefined && (isHandsOn(n.Labels) || ownerAlive(n.Labels))) continue;
    await d.getNetwork(n.Id).remove().catch(() => undefined);
    result.networks++;
  }
  return result;
}
