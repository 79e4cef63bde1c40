// ID mining (architecture: "Playing a node"): a virtual node's ID is SHA-1 of "ip:port"
// (SOS-ID-2), so the harness puts a node where a test needs it on the ring by trying
// candidate ports until the hash falls in the wanted interval. Pure: no socket is touched;
// binding the chosen port (and mining again when it is taken) is VirtualNode.bindMined's job.

import { nodeIdOf } from '../overlay/id';
import { distance, idToBigInt } from '../overlay/ring';

/** [lo, hi) on the ring, clockwise from lo; lo = hi means the whole ring. IDs as hex or bigint. */
export interface RingInterval {
  lo: string | bigint;
  hi: string | bigint;
}

export type IdPredicate = (nodeId: string, id: bigint) => boolean;

export interface MineOptions {
  /** Candidate ports [from, to), tried in order. Default [20000, 60000): clear of well-known and most ephemeral ports. */
  ports?: { from: number; to: number };
  /** Ports never chosen (already bound, or used by other nodes of the test). */
  exclude?: Iterable<number>;
}

export interface MinedPort {
  port: number;
  nodeId: string;
  /** How many candidates were hashed to find it. */
  tried: number;
}

export const DEFAULT_MINING_PORTS = { from: 20000, to: 60000 } as const;

function asBigInt(id: string | bigint): bigint {
  return typeof id === 'bigint' ? id : idToBigInt(id);
}

/** x ∈ [lo, hi) on the ring; with lo = hi, every x. */
export function inClosedOpen(x: bigint, lo: bigint, hi: bigint): boolean {
  if (lo === hi) return true;
  return distance(lo, x) < distance(lo, hi);
}

function describe(target: RingInterval | IdPredicate): string {
  if (typeof target === 'function') return 'satisfying the predicate';
  const hex = (v: string | bigint): string => (typeof v === 'bigint' ? v.toString(16).padStart(40, '0') : v);
  return `in [${hex(target.lo)}, ${hex(target.hi)})`;
}

/**
 * The first port of the candidate range whose node ID nodeIdOf(address, port) lies in the
 * interval (or satisfies the predicate). An interval covering a fraction f of the ring needs
 * about 1/f candidates; throws, naming the address, range and interval, when none qualifies.
 */
export function minePort(address: string, target: RingInterval | IdPredicate, options: MineOptions = {}): MinedPort {
  const { from, to } = options.ports ?? DEFAULT_MINING_PORTS;
  if (!Number.isInteger(from) || !Number.isInteger(to) || from < 1 || to > 65536 || from >= to) {
    throw new RangeError(`bad candidate port range [${from}, ${to}): ports are integers in [1, 65536)`);
  }
  const exclude = new Set(options.exclude ?? []);
  const test: IdPredicate =
    typeof target === 'function'
      ? target
      : ((lo, hi) => (_hex: string, id: bigint) => inClosedOpen(id, lo, hi))(asBigInt(target.lo), asBigInt(target.hi));
  let tried = 0;
  for (let port = from; port < to; port++) {
    if (exclude.has(port)) continue;
    tried++;
    const nodeId = nodeIdOf(address, port);
    if (test(nodeId, BigInt(`0x${nodeId}`))) return { port, nodeId, tried };
  }
  throw new Error(
    `no port in [${from}, ${to}) of ${address} gives a node ID ${describe(target)} ` +
      `(${tried} tried, ${exclude.size} excluded); widen the port range or the interval`,
  );
}
