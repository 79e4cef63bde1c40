// The target contract's environment (architecture.md): SOSIMPLE_ADDRESS, SOSIMPLE_PORT,
// SOSIMPLE_BOOTSTRAP, SOSIMPLE_OVERLAY, SOSIMPLE_USERS, SOSIMPLE_BUDDIES, SOSIMPLE_FAULTS,
// and the timing knobs. Pure: env in, config or an error a user can act on out.
import { networkInterfaces } from 'os';
import { parseFaults } from './faults';
import { NodeConfig } from './node';

export type Env = Record<string, string | undefined>;

export const DEFAULTS = {
  port: 5060,
  overlay: 'chat',
  stabilizeMs: 60_000, // SOS-MAINT-4: 60-360 s suggested
  failureTimeoutMs: 4_000,
  joinRetryMs: 5_000,
  expires: 600, // SOS-WIRE-8
};

function int(env: Env, name: string, fallback: number, min = 1): number {
  const v = env[name];
  if (v === undefined || v === '') return fallback;
  if (!/^\d+$/.test(v.trim()) || Number(v) < min) throw new Error(`${name} must be an integer >= ${min}, got "${v}"`);
  return Number(v);
}

function list(v: string | undefined): string[] {
  return (v ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

export function parseHostPort(s: string, name: string): { host: string; port: number } {
  const m = /^(\d{1,3}(?:\.\d{1,3}){3})(?::(\d{1,5}))?$/.exec(s.trim());
  if (!m) throw new Error(`${name} must be ip[:port] with an IPv4 literal, got "${s}"`);
  return { host: m[1], port: m[2] ? Number(m[2]) : 5060 };
}

/** The first non-internal IPv4 address: in a container, its address on the harness network. */
export function defaultAddress(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

/** SOSIMPLE_FINGERS: "all" (0..159) or a comma list of exponents (SOS-RING-3 lets us choose). */
function exponents(v: string | undefined): number[] | undefined {
  if (v === undefined || v === '' || v === 'all') return undefined;
  const out = list(v).map(Number);
  if (out.some((i) => !Number.isInteger(i) || i < 0 || i > 159)) throw new Error(`SOSIMPLE_FINGERS must be "all" or exponents 0..159, got "${v}"`);
  return out;
}

export function configFromEnv(env: Env): NodeConfig {
  const address = env.SOSIMPLE_ADDRESS || defaultAddress();
  parseHostPort(address, 'SOSIMPLE_ADDRESS');
  const stabilizeMs = int(env, 'SOSIMPLE_STABILIZE_MS', DEFAULTS.stabilizeMs);
  const overlay = env.SOSIMPLE_OVERLAY || DEFAULTS.overlay;
  if (!/^[\w.!%*+`'~-]+$/.test(overlay)) throw new Error(`SOSIMPLE_OVERLAY must be a SIP token, got "${overlay}"`);
  return {
    address,
    port: int(env, 'SOSIMPLE_PORT', DEFAULTS.port),
    bootstrap: env.SOSIMPLE_BOOTSTRAP ? parseHostPort(env.SOSIMPLE_BOOTSTRAP, 'SOSIMPLE_BOOTSTRAP') : undefined,
    overlay,
    users: list(env.SOSIMPLE_USERS),
    buddies: list(env.SOSIMPLE_BUDDIES),
    faults: parseFaults(env.SOSIMPLE_FAULTS),
    stabilizeMs,
    fingerMs: int(env, 'SOSIMPLE_FINGER_MS', stabilizeMs),
    failureTimeoutMs: int(env, 'SOSIMPLE_FAILURE_TIMEOUT_MS', DEFAULTS.failureTimeoutMs),
    joinRetryMs: int(env, 'SOSIMPLE_JOIN_RETRY_MS', DEFAULTS.joinRetryMs),
    expires: int(env, 'SOSIMPLE_EXPIRES', DEFAULTS.expires),
    fingerExponents: exponents(env.SOSIMPLE_FINGERS),
    ...(env.SOSIMPLE_FLOOD_PER_SECOND ? { floodPerSecond: int(env, 'SOSIMPLE_FLOOD_PER_SECOND', 1) } : {}),
  };
}
