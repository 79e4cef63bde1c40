// Ring arithmetic on the 160-bit identifier circle (SOS-ID-4, SOS-ID-5). IDs are bigints
// here; the wire form is 40 lower-case hex digits (overlay/id.ts).

export const ID_BITS = 160;
export const RING_SIZE = 1n << BigInt(ID_BITS);
const MASK = RING_SIZE - 1n;

export function idToBigInt(hex: string): bigint {
  if (!/^[0-9a-fA-F]{1,40}$/.test(hex)) throw new Error(`not a 160-bit hex ID: "${hex}"`);
  return BigInt(`0x${hex}`);
}

export function bigIntToId(n: bigint): string {
  return mod(n).toString(16).padStart(40, '0');
}

export function mod(n: bigint): bigint {
  return ((n % RING_SIZE) + RING_SIZE) & MASK;
}

/** SOS-ID-4: clockwise distance from a to b, (b − a) mod 2^160. */
export function distance(a: bigint, b: bigint): bigint {
  return mod(b - a);
}

/** x ∈ (a, b] on the circle. With a = b the interval is the whole ring. */
export function inHalfOpen(x: bigint, a: bigint, b: bigint): boolean {
  if (a === b) return true;
  const dx = distance(a, x);
  return dx > 0n && dx <= distance(a, b);
}

/** x ∈ (a, b) on the circle. With a = b, every x except a. */
export function inOpen(x: bigint, a: bigint, b: bigint): boolean {
  if (a === b) return x !== a;
  const dx = distance(a, x);
  return dx > 0n && dx < distance(a, b);
}

/** The start of finger i of node n: n + 2^i (SOS-RING-3, i from 0 to 159). */
export function fingerStart(n: bigint, i: number): bigint {
  if (!Number.isInteger(i) || i < 0 || i >= ID_BITS) throw new Error(`finger index ${i} is outside 0..159`);
  return mod(n + (1n << BigInt(i)));
}
