// What every command of the CLI shares: exit codes, the error a person can act on, where the
// project lives (the CLI runs from source under ts-node and compiled from dist/), loading
// target files with one-line errors, and option parsers.

import { InvalidArgumentError } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative } from 'node:path';
import { loadTarget, TargetError } from '../targets/target';
import type { Target } from '../targets/schema';

export const EXIT_OK = 0;
export const EXIT_FAILURES = 1;
export const EXIT_USAGE = 2;

/** An error a person can act on: printed as one line, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Each command's action ends by reporting its exit code here. */
export type OnExit = (code: number) => void;

let root: string | undefined;

/** The project folder (the one whose package.json is ours), from harness/ or dist/harness/. */
export function projectRoot(): string {
  if (root) return root;
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'sosimple-conformance') return (root = dir);
    if (dirname(dir) === dir) throw new Error(`cannot find the sosimple-conformance project folder above ${__dirname}`);
  }
}

/** The target a command uses when none is given. */
export function defaultTargetPath(): string {
  return join(projectRoot(), 'targets', 'reference.yaml');
}

/** Loads a target file; a missing or invalid file is a UsageError naming the path (and line). */
export function loadTargetOrExplain(path: string): Target {
  if (!existsSync(path)) throw new UsageError(`target file not found: ${path}`);
  try {
    return loadTarget(path);
  } catch (e) {
    throw new UsageError(e instanceof TargetError ? e.message : `cannot read the target file ${path}: ${(e as Error).message}`);
  }
}

/** A path as a person reads it: relative to the working folder when inside it. */
export function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

/** Text on one line, at most `max` characters (for the one-line error messages). */
export function oneLine(text: string, max = 400): string {
  // eslint-disable-next-line no-control-regex
  const flat = text.replace(/\u001b\[[0-9;]*m/g, '').replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** commander option parser: a ring size the suites accept (suites/support/ring.ts, ringSize). */
export function parseRingSize(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 2 || n > 64) throw new InvalidArgumentError('a ring has 2 to 64 nodes');
  return n;
}

/** commander option parser: an integer seed. */
export function parseSeed(value: string): number {
  const n = Number(value);
  if (!/^-?\d+$/.test(value) || !Number.isSafeInteger(n)) throw new InvalidArgumentError('the seed is an integer');
  return n;
}

/** commander option parser for repeatable options: collects every value in order. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** commander option parser: a name Docker accepts in container and network names. */
export function parseRingName(value: string): string {
  if (!/^[a-z0-9][a-z0-9_.-]{0,39}$/.test(value)) throw new InvalidArgumentError('lower case letters, digits, ".", "_" or "-", at most 40');
  return value;
}

export const DRIVERS = ['auto', 'docker', 'process'] as const;
export type DriverChoice = (typeof DRIVERS)[number];

export function parseDriver(value: string): DriverChoice {
  if (!(DRIVERS as readonly string[]).includes(value)) throw new UsageError(`--driver must be auto, docker or process, not "${value}"`);
  return value as DriverChoice;
}
