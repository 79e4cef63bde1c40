// `sosimple-conformance targets validate FILE…`: loads each target file as a run would and
// says what the harness will run: the image (and whether this Docker engine has it) and the
// process driver's command. Exit 2 when any file is invalid; a missing image is reported, not
// an error, since the file itself is fine.

import type { Command } from 'commander';
import { engineAnswers } from '../cluster/docker-env';
import { imageTagOf, loadTarget, TargetError } from '../targets/target';
import type { Target } from '../targets/schema';
import { EXIT_OK, EXIT_USAGE, type OnExit } from './common';
import { imagePresent } from './images';

export function registerTargets(program: Command, onExit: OnExit): Command {
  const targets = program.command('targets').description('work with target files');
  targets
    .command('validate')
    .description('check target files: schema, image present on the Docker engine, command for the process driver (exit 2 when a file is invalid)')
    .argument('<files...>', 'target files')
    .action(async (files: string[]) => onExit(await validate(files)));
  return targets;
}

async function imageState(target: Target, engine: boolean): Promise<string> {
  const tag = imageTagOf(target);
  const built = target.image ? '' : ' (built from the build section)';
  if (!engine) return `image ${tag}${built} not checked: no Docker engine answers`;
  return `image ${tag}${built} ${(await imagePresent(tag)) ? 'present' : 'absent'}`;
}

export async function validate(files: string[]): Promise<number> {
  let engine: boolean | undefined;
  let invalid = 0;
  for (const file of files) {
    let target: Target;
    try {
      target = loadTarget(file);
    } catch (e) {
      invalid++;
      process.stdout.write(`${e instanceof TargetError ? e.message : `${file}: ${(e as Error).message}`}\n`);
      continue;
    }
    engine ??= await engineAnswers();
    const command = target.command ? `command ${target.command.join(' ')}` : 'no command (docker driver only)';
    process.stdout.write(`${file}: ok (${target.name}, ${await imageState(target, engine)}, ${command})\n`);
  }
  return invalid > 0 ? EXIT_USAGE : EXIT_OK;
}
