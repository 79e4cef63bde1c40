// Fuzzed SOSIMPLE requests for the robustness suite (SOS-ERR-1): valid requests the harness
// crafts, each broken by one to three mutations that fast-check draws from the run's seed
// (suiteSeed), so a run sends the same messages again. Pure: bytes in, bytes out.

import fc from 'fast-check';

export type Mutation =
  /** Cut the message after `permille`/1000 of its bytes. */
  | { kind: 'truncate'; permille: number }
  /** Remove header line `index` (modulo the number of header lines). */
  | { kind: 'delete-header'; index: number }
  /** Repeat header line `index` right after itself. */
  | { kind: 'duplicate-header'; index: number }
  /** A line of printable text with no colon, before header line `index`. */
  | { kind: 'garbage-line'; index: number; text: string }
  /** Control bytes inside the value of header line `index`. */
  | { kind: 'garbage-bytes'; index: number; bytes: number[] }
  /** An extra header of `size` bytes (the message stays a legal UDP datagram under 64 KiB). */
  | { kind: 'huge-header'; size: number }
  /** Content-Length replaced by a wrong value, or a second, conflicting one added. */
  | { kind: 'content-length'; value: string; add: boolean };

export interface FuzzCase {
  /** Which base request (index into the list the suite passes). */
  base: number;
  mutations: Mutation[];
}

const printable = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 !#$%&()*+,-./;<=>?@[]^_{|}~'.split(''));
const control = fc.constantFrom(0x00, 0x01, 0x07, 0x08, 0x0b, 0x0c, 0x1b, 0x7f);

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), permille: fc.integer({ min: 1, max: 999 }) }),
  fc.record({ kind: fc.constant('delete-header' as const), index: fc.nat(40) }),
  fc.record({ kind: fc.constant('duplicate-header' as const), index: fc.nat(40) }),
  fc.record({ kind: fc.constant('garbage-line' as const), index: fc.nat(40), text: fc.string({ unit: printable, minLength: 1, maxLength: 60 }).filter((s) => s.trim().length > 0) }),
  fc.record({ kind: fc.constant('garbage-bytes' as const), index: fc.nat(40), bytes: fc.array(control, { minLength: 1, maxLength: 4 }) }),
  fc.record({ kind: fc.constant('huge-header' as const), size: fc.integer({ min: 1_000, max: 60_000 }) }),
  fc.record({
    kind: fc.constant('content-length' as const),
    value: fc.constantFrom('-1', 'abc', '1e3', '0x10', '', '7', '4096', '99999999999999999999', '0 0', '+5'),
    add: fc.boolean(),
  }),
);

/** `runs` cases over `bases` base requests, the same for the same seed. */
export function fuzzCases(seed: number, runs: number, bases: number): FuzzCase[] {
  const arb = fc.record({ base: fc.nat(bases - 1), mutations: fc.array(mutation, { minLength: 1, maxLength: 3 }) });
  return fc.sample(arb, { seed, numRuns: runs });
}

export function describeMutation(m: Mutation): string {
  switch (m.kind) {
    case 'truncate':
      return `truncate at ${m.permille / 10}%`;
    case 'delete-header':
    case 'duplicate-header':
      return `${m.kind} #${m.index}`;
    case 'garbage-line':
      return `garbage-line before #${m.index} ${JSON.stringify(m.text)}`;
    case 'garbage-bytes':
      return `garbage-bytes in #${m.index} [${m.bytes.map((b) => `0x${b.toString(16).padStart(2, '0')}`).join(' ')}]`;
    case 'huge-header':
      return `huge-header ${m.size} bytes`;
    case 'content-length':
      return `content-length ${m.add ? 'added' : 'set'} ${JSON.stringify(m.value)}`;
  }
}

/** Fuzzed messages go as single UDP datagrams: at most this many bytes (IPv4 allows 65,507). */
export const MAX_FUZZ_BYTES = 65_000;

/**
 * Applies the mutations in order to a well-formed message (CRLF lines, empty body). A padding
 * header that was duplicated past MAX_FUZZ_BYTES is dropped again, so every result fits a datagram.
 */
export function mutate(message: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  let bytes: Buffer = Buffer.from(message);
  for (const m of mutations) bytes = applyOne(bytes, m);
  while (bytes.length > MAX_FUZZ_BYTES) {
    const text = bytes.toString('latin1');
    const pad = text.lastIndexOf('X-Fuzz-Pad: ');
    if (pad < 0) return new Uint8Array(bytes.subarray(0, MAX_FUZZ_BYTES));
    const lineEnd = text.indexOf('\r\n', pad);
    bytes = Buffer.from(text.slice(0, pad) + (lineEnd < 0 ? '' : text.slice(lineEnd + 2)), 'latin1');
  }
  return new Uint8Array(bytes);
}

function applyOne(bytes: Buffer, m: Mutation): Buffer {
  if (m.kind === 'truncate') return bytes.subarray(0, Math.max(1, Math.floor((bytes.length * m.permille) / 1000)));
  const text = bytes.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  // A message already cut inside its header section has no header end: mutate what is there.
  const head = end < 0 ? text : text.slice(0, end);
  const tail = end < 0 ? '' : text.slice(end);
  const [start, ...headers] = head.split('\r\n');
  const at = (index: number): number => (headers.length === 0 ? 0 : index % headers.length);
  switch (m.kind) {
    case 'delete-header':
      if (headers.length) headers.splice(at(m.index), 1);
      break;
    case 'duplicate-header':
      if (headers.length) headers.splice(at(m.index) + 1, 0, headers[at(m.index)]!);
      break;
    case 'garbage-line':
      headers.splice(at(m.index), 0, m.text.replace(/:/g, ''));
      break;
    case 'garbage-bytes': {
      if (!headers.length) break;
      const i = at(m.index);
      const line = headers[i]!;
      const colon = line.indexOf(':');
      const cut = colon < 0 ? line.length : colon + 1 + Math.floor((line.length - colon - 1) / 2);
      headers[i] = line.slice(0, cut) + String.fromCharCode(...m.bytes) + line.slice(cut);
      break;
    }
    case 'huge-header':
      headers.splice(Math.min(3, headers.length), 0, `X-Fuzz-Pad: ${'x'.repeat(m.size)}`);
      break;
    case 'content-length': {
      const i = headers.findIndex((h) => /^(content-length|l)[ \t]*:/i.test(h));
      if (m.add || i < 0) headers.push(`Content-Length: ${m.value}`);
      else headers[i] = `Content-Length: ${m.value}`;
      break;
    }
  }
  return Buffer.from([start, ...headers].join('\r\n') + tail, 'latin1');
}
