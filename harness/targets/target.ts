// Loading a target file (schema.ts explains the keys). parseTarget is pure; loadTarget reads
// the file and checks what only the file system can tell (the build context exists).
// Every error names the file, the field and, when YAML knows it, the line.

import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { isMap, isScalar, isSeq, type Node } from 'yaml';
import { join, mapEntries, readYaml, scalarInt, scalarString, seqItems, stringList, describe, type Entry, type YamlSource } from '../fixtures/yaml-source';
import {
  CONTRACT_VARS,
  DEFAULT_PROFILE,
  DEFAULT_TIMING,
  KNOB_VARS,
  KNOWN_CAPABILITIES,
  REQUIRED_VARS,
  TIMING_NAMES,
  TRANSPORTS,
  type BuildSpec,
  type Capability,
  type ContractVar,
  type Knobs,
  type Profile,
  type Target,
  type TargetTransport,
  type TimingBounds,
} from './schema';

export class TargetError extends Error {
  override name = 'TargetError';
  constructor(
    readonly path: string,
    readonly field: string,
    readonly reason: string,
    readonly line?: number,
  ) {
    super(`${path}${line === undefined ? '' : `:${line}`}: ${field ? `${field}: ` : ''}${reason}`);
  }
}

const TOP_KEYS = ['name', 'description', 'image', 'build', 'command', 'workdir', 'port', 'transports', 'capabilities', 'envNames', 'env', 'knobs', 'timing', 'profile', 'faults'];
const NAME_RE = /^[a-z0-9][a-z0-9._-]*$/;
// A local image reference: [registry/]repo[:tag][@digest]; lower-case repository path.
const IMAGE_RE = /^[a-z0-9][a-z0-9._\-/]*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[0-9a-f]{64})?$/;
const ENV_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const FAULT_RE = /^[a-z0-9][a-z0-9-]*$/;
const MAX_MS = 24 * 3600 * 1000;

/** Parses the text of a target file. `path` is used in errors and to resolve relative paths. */
export function parseTarget(text: string, path: string): Target {
  const src = readYaml(text, (line, field, reason) => {
    throw new TargetError(path, field, reason, line);
  });
  if (src.root === null) src.fail(1, '', 'the file is empty (a target needs at least name and image or build)');
  const top = mapEntries(src, src.root, '', TOP_KEYS);
  const folder = nodePath.resolve(nodePath.dirname(path));
  const get = (k: string): Node | null | undefined => top.get(k)?.value;
  const str = (k: string): string | undefined => (top.has(k) ? scalarString(src, get(k)!, k) : undefined);

  const name = str('name');
  if (name === undefined) src.fail(1, 'name', 'missing (every target needs a name)');
  if (!NAME_RE.test(name!)) src.fail(top.get('name')!.line, 'name', `'${name}' must be lower case letters, digits, '.', '_' or '-'`);

  const image = str('image');
  if (image !== undefined && !IMAGE_RE.test(image)) src.fail(src.lineOf(get('image')), 'image', `'${image}' is not an image reference like my-node:dev`);
  const build = top.has('build') ? parseBuild(src, get('build')!, folder) : undefined;
  if (image === undefined && build === undefined) src.fail(1, 'image', 'missing: give an image tag, a build section, or both');

  const envNames = parseEnvNames(src, top.get('envNames'));
  const transports = parseTransports(src, top.get('transports'));
  const capabilities = parseCapabilities(src, top.get('capabilities'));
  checkCapabilities(src, capabilities, transports, envNames, top);
  const faults = top.has('faults') ? stringList(src, get('faults')!, 'faults') : [];
  for (const [i, f] of faults.entries()) {
    if (!FAULT_RE.test(f.value)) src.fail(f.line, join('faults', i), `'${f.value}' is not a fault switch name (lower case, digits, '-')`);
  }
  if (faults.length > 0 && envNames.SOSIMPLE_FAULTS === null) {
    src.fail(top.get('faults')!.line, 'faults', 'listed, but envNames sets SOSIMPLE_FAULTS to null, so they cannot be switched on');
  }

  const knobs = parseKnobs(src, top.get('knobs'), envNames);
  const timing = parseTiming(src, top.get('timing'), knobs);

  const target: Target = {
    path,
    name: name!,
    workdir: top.has('workdir') ? nodePath.resolve(folder, str('workdir')!) : folder,
    port: top.has('port') ? scalarInt(src, get('port')!, 'port', 1, 65535) : 5060,
    transports,
    capabilities,
    envNames,
    env: parseEnv(src, top.get('env'), envNames),
    knobs,
    timing,
    profile: parseProfile(src, top.get('profile')),
    faults: faults.map((f) => f.value),
  };
  const description = str('description');
  if (description !== undefined) target.description = description;
  if (image !== undefined) target.image = image;
  if (build !== undefined) target.build = build;
  if (top.has('command')) target.command = parseCommand(src, get('command')!);
  return target;
}

/** The tag a driver runs: `image`, or for a build-only target one derived from its name. */
export function imageTagOf(target: Target): string {
  return target.image ?? `sosimple-target-${target.name}:local`;
}

/** Reads and parses a target file; also checks that a build context is a folder. */
export function loadTarget(path: string): Target {
  let text: string;
  try {
    text = fs.readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new TargetError(path, '', code === 'ENOENT' ? 'no such target file' : `cannot read the target file (${code ?? (e as Error).message})`);
  }
  const target = parseTarget(text, path);
  if (target.build && !isDirectory(target.build.context)) {
    throw new TargetError(path, 'build.context', `${target.build.context} is not a folder`);
  }
  return target;
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function parseBuild(src: YamlSource, node: Node, folder: string): BuildSpec {
  const e = mapEntries(src, node, 'build', ['context', 'dockerfile', 'args']);
  const ctx = e.get('context');
  if (!ctx) src.fail(src.lineOf(node), 'build.context', 'missing (the folder sent to the Docker build)');
  const context = nodePath.resolve(folder, scalarString(src, ctx!.value, 'build.context'));
  const df = e.get('dockerfile');
  const dockerfile = df ? nodePath.resolve(folder, scalarString(src, df.value, 'build.dockerfile')) : nodePath.join(context, 'Dockerfile');
  const args = e.has('args') ? stringMap(src, e.get('args')!.value, 'build.args') : {};
  return { context, dockerfile, args };
}

function parseCommand(src: YamlSource, node: Node): string[] {
  // A string is split at spaces (no shell); list items are taken whole (they may hold spaces).
  const argv = isSeq(node)
    ? seqItems(src, node, 'command').map((item, i) => scalarString(src, item, join('command', i), 'a string', true))
    : scalarString(src, node, 'command', 'a list or a string').trim().split(/\s+/).filter(Boolean);
  if (argv.length === 0 || argv[0] === '') src.fail(src.lineOf(node), 'command', 'empty (give the program and its arguments)');
  return argv;
}

function parseTransports(src: YamlSource, entry: Entry | undefined): TargetTransport[] {
  if (!entry) return ['udp'];
  const list = stringList(src, entry.value, 'transports');
  for (const [i, t] of list.entries()) {
    if (!(TRANSPORTS as readonly string[]).includes(t.value)) src.fail(t.line, join('transports', i), `unknown transport '${t.value}' (known: ${TRANSPORTS.join(', ')})`);
  }
  if (!list.some((t) => t.value === 'udp')) src.fail(entry.line, 'transports', 'must include udp (the contract: every node speaks SOSIMPLE over UDP)');
  return list.map((t) => t.value as TargetTransport);
}

function parseCapabilities(src: YamlSource, entry: Entry | undefined): Capability[] {
  if (!entry) return [];
  const list = stringList(src, entry.value, 'capabilities');
  for (const [i, c] of list.entries()) {
    if (!(KNOWN_CAPABILITIES as readonly string[]).includes(c.value)) {
      src.fail(c.line, join('capabilities', i), `unknown capability '${c.value}' (known: ${KNOWN_CAPABILITIES.join(', ')})`);
    }
  }
  return list.map((c) => c.value as Capability);
}

/** A claim the env contract cannot carry out would make suites fail for the wrong reason. */
function checkCapabilities(src: YamlSource, caps: Capability[], transports: TargetTransport[], names: Record<ContractVar, string | null>, top: Map<string, Entry>): void {
  const at = top.get('capabilities')?.line;
  if (caps.includes('tcp') !== transports.includes('tcp')) {
    src.fail(at ?? top.get('transports')?.line, 'capabilities', 'claim tcp in both capabilities and transports, or in neither');
  }
  const needs: [Capability, ContractVar][] = [['presence', 'SOSIMPLE_USERS'], ['buddies', 'SOSIMPLE_BUDDIES']];
  for (const [cap, v] of needs) {
    if (caps.includes(cap) && names[v] === null) src.fail(at, 'capabilities', `${cap} needs ${v}, which envNames sets to null`);
  }
}

function parseEnvNames(src: YamlSource, entry: Entry | undefined): Record<ContractVar, string | null> {
  const names = Object.fromEntries(CONTRACT_VARS.map((v) => [v, v])) as Record<ContractVar, string | null>;
  if (!entry) return names;
  const e = mapEntries(src, entry.value, 'envNames', CONTRACT_VARS);
  const used = new Map<string, string>();
  for (const [key, { value, line }] of e) {
    const field = join('envNames', key);
    const isNull = value === null || (isScalar(value) && value.value === null);
    if (isNull) {
      if (REQUIRED_VARS.includes(key as ContractVar)) src.fail(line, field, `cannot be null: without it no node can join a ring`);
      names[key as ContractVar] = null;
      continue;
    }
    const name = scalarString(src, value, field, 'a variable name or null');
    if (!ENV_NAME_RE.test(name)) src.fail(src.lineOf(value), field, `'${name}' is not an environment variable name`);
    names[key as ContractVar] = name;
  }
  for (const v of CONTRACT_VARS) {
    const n = names[v];
    if (n === null) continue;
    if (used.has(n)) {
      // Point at whichever of the two is written later: that is the line a reader fixes.
      const lines = [e.get(v)?.line, e.get(used.get(n)!)?.line].filter((l): l is number => l !== undefined);
      const at = lines.length > 0 ? Math.max(...lines) : entry.line;
      src.fail(at, 'envNames', `${used.get(n)} and ${v} both map to ${n}`);
    }
    used.set(n, v);
  }
  return names;
}

function parseEnv(src: YamlSource, entry: Entry | undefined, names: Record<ContractVar, string | null>): Record<string, string> {
  if (!entry) return {};
  const env = stringMap(src, entry.value, 'env');
  const harnessSet = new Set(Object.values(names).filter((n): n is string => n !== null));
  for (const key of Object.keys(env)) {
    if (harnessSet.has(key)) {
      src.fail(entry.line, join('env', key), 'is set by the harness from the contract (use port, knobs or faults instead)');
    }
  }
  return env;
}

function parseKnobs(src: YamlSource, entry: Entry | undefined, names: Record<ContractVar, string | null>): Knobs {
  if (!entry) return {};
  const e = mapEntries(src, entry.value, 'knobs', Object.keys(KNOB_VARS));
  const knobs: Knobs = {};
  for (const [key, { value, line }] of e) {
    const k = key as keyof Knobs;
    if (names[KNOB_VARS[k]] === null) src.fail(line, join('knobs', key), `set, but envNames sets ${KNOB_VARS[k]} to null`);
    knobs[k] = scalarInt(src, value, join('knobs', key), 1, MAX_MS);
  }
  return knobs;
}

function parseTiming(src: YamlSource, entry: Entry | undefined, knobs: Knobs): TimingBounds {
  const timing: TimingBounds = { ...DEFAULT_TIMING };
  if (entry) {
    for (const [key, { value }] of mapEntries(src, entry.value, 'timing', TIMING_NAMES)) {
      timing[key as keyof TimingBounds] = scalarInt(src, value, join('timing', key), 1, MAX_MS);
    }
  }
  // A bound shorter than the period the node is told to use cannot be met.
  const pairs: [keyof TimingBounds, keyof Knobs][] = [['stabilizeMs', 'stabilizeMs'], ['fingerRefreshMs', 'fingerRefreshMs']];
  for (const [bound, knob] of pairs) {
    const k = knobs[knob];
    if (k !== undefined && timing[bound] < k) {
      src.fail(entry?.line, join('timing', bound), `${timing[bound]} ms is shorter than knobs.${knob} (${k} ms), so it can never be met`);
    }
  }
  return timing;
}

function parseProfile(src: YamlSource, entry: Entry | undefined): Profile {
  if (!entry) return { ...DEFAULT_PROFILE };
  const nodeIds = ['draft-01', 'draft-00-ids'];
  const inputs = ['user', 'user@host'];
  const pick = (node: Node | null, field: string, known: string[]): string => {
    const s = scalarString(src, node, field);
    if (!known.includes(s)) src.fail(src.lineOf(node), field, `unknown value '${s}' (known: ${known.join(', ')})`);
    return s;
  };
  if (!isMap(entry.value)) return { ...DEFAULT_PROFILE, nodeIds: pick(entry.value, 'profile', nodeIds) as Profile['nodeIds'] };
  const e = mapEntries(src, entry.value, 'profile', ['nodeIds', 'resourceIdInput']);
  const profile: Profile = { ...DEFAULT_PROFILE };
  if (e.has('nodeIds')) profile.nodeIds = pick(e.get('nodeIds')!.value, 'profile.nodeIds', nodeIds) as Profile['nodeIds'];
  if (e.has('resourceIdInput')) profile.resourceIdInput = pick(e.get('resourceIdInput')!.value, 'profile.resourceIdInput', inputs) as Profile['resourceIdInput'];
  return profile;
}

/** A mapping of variable names to scalar values (numbers and booleans become text). */
function stringMap(src: YamlSource, node: Node | null, field: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isMap(node)) return src.fail(src.lineOf(node), field, `expected a mapping of NAME: value, found ${describe(node)}`);
  // Any name is allowed here; mapEntries still rejects non-string keys and gives lines.
  const keys = node.items.map((p) => String(isScalar(p.key) ? p.key.value : p.key));
  for (const [key, { value, line }] of mapEntries(src, node, field, keys)) {
    if (!ENV_NAME_RE.test(key)) src.fail(line, join(field, key), `'${key}' is not an environment variable name`);
    out[key] = scalarString(src, value, join(field, key), 'a string, number or boolean', true);
  }
  return out;
}
