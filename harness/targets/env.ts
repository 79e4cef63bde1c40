// The environment a driver gives one node of a target: the contract's values under the
// target's own variable names, its knobs, and its fixed extra variables.

import { CONTRACT_VARS, KNOB_VARS, type ContractVar, type Knobs, type Target } from './schema';

/** What the harness decides for one node; undefined means "let the node use its default". */
export interface ContractValues {
  address?: string;
  port?: number;
  /** `host:port` of the node to join through; absent for the first node of an overlay. */
  bootstrap?: string;
  overlay?: string;
  users?: string[];
  buddies?: string[];
  faults?: string[];
}

const VALUE_VARS: Readonly<Record<keyof ContractValues, ContractVar>> = {
  address: 'SOSIMPLE_ADDRESS',
  port: 'SOSIMPLE_PORT',
  bootstrap: 'SOSIMPLE_BOOTSTRAP',
  overlay: 'SOSIMPLE_OVERLAY',
  users: 'SOSIMPLE_USERS',
  buddies: 'SOSIMPLE_BUDDIES',
  faults: 'SOSIMPLE_FAULTS',
};

/**
 * The variables for one node. Throws when the harness asks for something the target said it
 * cannot take (a null name) or a fault switch it does not list: that is a harness bug or a
 * suite that forgot to check applicability, never a node failure.
 */
export function nodeEnv(target: Target, values: ContractValues): Record<string, string> {
  const env: Record<string, string> = { ...target.env };
  const put = (v: ContractVar, value: string): void => {
    const name = target.envNames[v];
    if (name === null) throw new Error(`${target.path}: target ${target.name} has no ${v} (envNames sets it to null), but a value was given`);
    env[name] = value;
  };
  for (const [key, v] of Object.entries(VALUE_VARS) as [keyof ContractValues, ContractVar][]) {
    const value = values[key];
    if (value === undefined) continue;
    if (Array.isArray(value)) {
      if (value.length > 0) put(v, value.join(','));
    } else put(v, String(value));
  }
  const unknownFaults = (values.faults ?? []).filter((f) => !target.faults.includes(f));
  if (unknownFaults.length > 0) {
    throw new Error(`${target.path}: target ${target.name} does not list fault switch(es) ${unknownFaults.join(', ')} (it lists: ${target.faults.join(', ') || 'none'})`);
  }
  for (const [knob, v] of Object.entries(KNOB_VARS) as [keyof Knobs, ContractVar][]) {
    const ms = target.knobs[knob];
    if (ms !== undefined) put(v, String(ms));
  }
  return env;
}

/** Every contract variable with the target's name for it, for reports and `ring up` output. */
export function describeEnvNames(target: Target): string[] {
  return CONTRACT_VARS.map((v) => `${v} -> ${target.envNames[v] ?? '(not supported)'}`);
}
