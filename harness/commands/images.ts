// A target's image on the Docker engine: present or not, and how a person builds it. The
// harness never pulls, so a missing image is an environment error with the build command.

import { relative } from 'node:path';
import { docker, EnvironmentError } from '../cluster/docker-env';
import { imageTagOf } from '../targets/target';
import type { Target } from '../targets/schema';
import { projectRoot, shown } from './common';

/** The image the conformance project's global set-up builds itself (test/support/docker-global-setup.ts). */
export const REFERENCE_LATEST = 'sosimple-reference:latest';

export async function imagePresent(tag: string): Promise<boolean> {
  try {
    await docker().getImage(tag).inspect();
    return true;
  } catch {
    return false;
  }
}

function isReference(target: Target): boolean {
  const dockerfile = target.build ? relative(projectRoot(), target.build.dockerfile) : '';
  return dockerfile === 'nodes/reference/Dockerfile' || imageTagOf(target).startsWith('sosimple-reference:');
}

/** How to get the target's image onto this engine, as a command a person can paste. */
export function buildHint(target: Target): string {
  if (isReference(target)) return 'build it with: npm run build && nodes/reference/build-image.sh --tag-latest';
  const tag = imageTagOf(target);
  if (target.build) {
    const args = Object.entries(target.build.args).map(([k, v]) => ` --build-arg ${k}=${v}`).join('');
    return `build it with: docker build -t ${tag} -f ${shown(target.build.dockerfile)}${args} ${shown(target.build.context)}`;
  }
  return `build or load it (docker build -t ${tag} …, docker load -i …) first; the target file has no build section`;
}

/**
 * Throws EnvironmentError for the first target whose image is not on the engine. With
 * `builtBySetup`, the reference image is left to the conformance set-up, which builds it.
 */
export async function assertTargetImages(targets: readonly Target[], options: { builtBySetup?: boolean } = {}): Promise<void> {
  for (const target of targets) {
    if (!target.image) {
      throw new EnvironmentError(`${shown(target.path)}: target ${target.name} names no image, and the docker driver runs images only; ${buildHint(target)}, then set image: ${imageTagOf(target)}`);
    }
    if (options.builtBySetup && target.image === REFERENCE_LATEST) continue;
    if (!(await imagePresent(target.image))) {
      throw new EnvironmentError(`image ${target.image} of target ${target.name} (${shown(target.path)}) is not on this Docker engine, and nothing is pulled; ${buildHint(target)}`);
    }
  }
}
