// The shape of a target file, as data: the names a target may use and what they mean.
// The loader (target.ts) turns YAML into a Target; the drivers and suites read only Target.
//
// A target file (YAML; examples: targets/reference.yaml, targets/example-third-party.yaml):
//
//   name: my-node                   required; [a-z0-9][a-z0-9._-]*, names the target in reports
//   description: free text
//   image: my-node:dev              a local image tag, used as is …
//   build:                          … or built (at least one of image/build; the build is tagged
//     context: ..                   `image`, or sosimple-target-<name>:local). Paths are relative to the target
//     dockerfile: Dockerfile        file's folder; dockerfile defaults to <context>/Dockerfile.
//     args: { KEY: value }          build args
//   command: node main.js           the process driver's argv (a list, or a string split at
//   workdir: ..                     spaces, no shell), run in workdir (default: the file's folder)
//   port: 5060                      the SIP port the node listens on (default 5060)
//   transports: [udp, tcp]          subset of udp, tcp; udp is required by the contract
//   capabilities: [leave, probe]    optional behaviours claimed (KNOWN_CAPABILITIES)
//   envNames:                       the contract's variables under the node's own names;
//     SOSIMPLE_BOOTSTRAP: BOOT      null = the node has no such knob (the harness never sets it)
//   env: { LOG_LEVEL: warn }        fixed extra variables (never a contract variable)
//   knobs:                          values the harness passes through the timing variables
//     stabilizeMs: 1000             -> SOSIMPLE_STABILIZE_MS
//     fingerRefreshMs: 1000         -> SOSIMPLE_FINGER_MS
//     failureTimeoutMs: 500         -> SOSIMPLE_FAILURE_TIMEOUT_MS
//   timing:                         bounds the suites wait for, in ms (SOS-JOIN-5, SOS-MAINT-3/4)
//     stabilizeMs / fingerRefreshMs / repairMs / joinSettleMs
//   profile: draft-01               or draft-00-ids, or { nodeIds: …, resourceIdInput: user@host }
//   faults: [no-420, …]             fault switches the node honours (via SOSIMPLE_FAULTS), for the self-test

/** The env contract (architecture.md, "The target contract"). */
export const CONTRACT_VARS = [
  'SOSIMPLE_ADDRESS',
  'SOSIMPLE_PORT',
  'SOSIMPLE_BOOTSTRAP',
  'SOSIMPLE_OVERLAY',
  'SOSIMPLE_USERS',
  'SOSIMPLE_BUDDIES',
  'SOSIMPLE_FAULTS',
  'SOSIMPLE_STABILIZE_MS',
  'SOSIMPLE_FINGER_MS',
  'SOSIMPLE_FAILURE_TIMEOUT_MS',
] as const;
export type ContractVar = (typeof CONTRACT_VARS)[number];

/** Without these a ring cannot be formed, so a target may rename them but not drop them. */
export const REQUIRED_VARS: readonly ContractVar[] = ['SOSIMPLE_BOOTSTRAP'];

export const KNOWN_CAPABILITIES = ['tcp', 'leave', 'presence', 'replication', 'probe', 'challenge', 'expiry', 'buddies'] as const;
export type Capability = (typeof KNOWN_CAPABILITIES)[number];

export const TRANSPORTS = ['udp', 'tcp'] as const;
export type TargetTransport = (typeof TRANSPORTS)[number];

/** What the harness tells the node; each maps to a timing variable of the contract. */
export interface Knobs {
  stabilizeMs?: number;
  fingerRefreshMs?: number;
  failureTimeoutMs?: number;
}
export const KNOB_VARS: Readonly<Record<keyof Knobs, ContractVar>> = {
  stabilizeMs: 'SOSIMPLE_STABILIZE_MS',
  fingerRefreshMs: 'SOSIMPLE_FINGER_MS',
  failureTimeoutMs: 'SOSIMPLE_FAILURE_TIMEOUT_MS',
};

/** Bounds the suites wait for, as the target declares them. */
export interface TimingBounds {
  /** One full stabilization period of every node (SOS-JOIN-5, SOS-MAINT-4). */
  stabilizeMs: number;
  /** Stale fingers are repaired within this (SOS-RING-4, SOS-MAINT-6). */
  fingerRefreshMs: number;
  /** The ring recovers from a failed node within this (SOS-MAINT-3). */
  repairMs: number;
  /** A started node answers its first join within this (readiness, SOS-JOIN-8). */
  joinSettleMs: number;
}
export type TimingName = keyof TimingBounds;
export const TIMING_NAMES: readonly TimingName[] = ['stabilizeMs', 'fingerRefreshMs', 'repairMs', 'joinSettleMs'];

/** The catalogue's suggested upper period (60–360 s, §6.8): slow, but never too short. */
export const DEFAULT_TIMING: Readonly<TimingBounds> = {
  stabilizeMs: 360_000,
  fingerRefreshMs: 360_000,
  repairMs: 720_000,
  joinSettleMs: 30_000,
};

/** The catalogue's profiles (spec/sosimple-requirements.md, top). */
export interface Profile {
  /** Node-ID input: `draft-01` hashes "ip:port" (SOS-ID-2); `draft-00-ids` the IP only. */
  nodeIds: 'draft-01' | 'draft-00-ids';
  /** Resource-ID input (SOS-ID-3): the username, or `user@host`. */
  resourceIdInput: 'user' | 'user@host';
}
export const DEFAULT_PROFILE: Readonly<Profile> = { nodeIds: 'draft-01', resourceIdInput: 'user' };

export interface BuildSpec {
  /** Absolute path. */
  context: string;
  /** Absolute path. */
  dockerfile: string;
  args: Record<string, string>;
}

export interface Target {
  /** The file it was read from (as given). */
  path: string;
  name: string;
  description?: string;
  image?: string;
  build?: BuildSpec;
  command?: string[];
  /** Absolute path the process driver runs `command` in. */
  workdir: string;
  port: number;
  transports: TargetTransport[];
  capabilities: Capability[];
  /** Every contract variable, under the node's name for it, or null when it has none. */
  envNames: Record<ContractVar, string | null>;
  env: Record<string, string>;
  knobs: Knobs;
  timing: TimingBounds;
  profile: Profile;
  faults: string[];
}
