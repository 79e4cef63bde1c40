// Ring arithmetic on the 160-bit identifier circle (SOS-ID-4, SOS-ID-5).
export const RING_BITS = 160;
export const RING_SIZE = 1n << 160n;

export function toBig(id: string): bigint {
  return BigInt('0x' + id);
}

export function fromBig(n: bigint): string {
  return mod(n).toString(16).padStart(40, '0');
}

export function mod(n: bigint): bigint {
  const r = n % RING_SIZE;
  return r < 0n ? r + RING_SIZE : r;
}

/** SOS-ID-4: clockwise distance d(a,b) = (b - a) mod 2^160. */
export function distance(a: string, b: string): bigint {
  return mod(toBig(b) - toBig(a));
}

/**
 * k in the open-closed arc (a, b]. With a == b the arc is the whole ring, which is what a
 * lone node means by "my predecessor is myself".
 */
export function inOpenClosed(k: string, a: string, b: string): boolean {
  if (a === b) return true;
  const dk = distance(a, k);
  return dk > 0n && dk <= distance(a, b);
}

/** k in the open arc (a, b). With a == b: every k except a. */
export function inOpenOpen(k: string, a: string, b: string): boolean {
  if (a === b) return k !== a;
  const dk = distance(a, k);
  return dk > 0n && dk < distance(a, b);
}

/** k in the closed-open arc [a, b). With a == b: the whole ring. */
export function inClosedOpen(k: string, a: string, b: string): boolean {
  if (a === b) return true;
  return distance(a, k) < distance(a, b);
}

/** SOS-RING-3: the start of finger i, n + 2^i. */
export function fingerStart(n: string, i: number): string {
  return fromBig(toBig(n) + (1n << BigInt(i)));
}

/**
 * SOS-JOIN-4: the exponent i whose interval [n+2^i, n+2^(i+1)) covers k, i.e. floor(log2 d(n,k)).
 * Undefined when k == n (distance 0 is in no finger interval).
 */
export function coveringExponent(n: string, k: string): number | undefined {
  const d = distance(n, k);
  if (d === 0n) return undefined;
  return d.toString(2).length - 1;
}

/** The successor of key k among a set of IDs (SOS-ID-5): the first ID >= k clockwise. */
export function successorOf(k: string, ids: readonly string[]): string {
  let best: string | undefined;
  let bestD = RING_SIZE;
  for (const id of ids) {
    const d = distance(k, id);
    if (d < bestD) {
      bestD = d;
      best = id;
    }
  }
  if (best === undefined) throw new Error('successorOf: empty ring');
  return best;
}
