// tshark as an independent cross-check of the harness's own capture reading and SIP parsing.
//
// `readSipMessages(file)` runs
//   tshark -n -r FILE -o tcp.reassemble_out_of_order:TRUE [-d udp.port==N,sip -d tcp.port==N,sip]…
//          -Y sip -T fields -E header=y -E separator=<US> -E aggregator=<RS> -e … -e sip.msg_hdr
// and returns one typed row per SIP message tshark found.
//
// Field layout choices (measured with tshark 4.0.17, Debian 12):
// - When a frame carries several SIP messages (pipelined on TCP), tshark prints the values of
//   each field joined by the *aggregator* (`,` by default). A comma also occurs inside ordinary
//   header values (`Allow: INVITE, ACK`), and tshark does not escape it, so we set the
//   aggregator to U+001E (RS). tshark does not escape `|` either (a Call-ID `a|b` came out
//   raw), so the column separator is U+001F (US), not `|`. Neither control character is legal
//   in a SIP header, so neither can be confused with content of a well-formed message.
// - `sip.Method` only occurs for requests and `sip.Status-Code` only for responses, so in a
//   frame holding a response and a request their values cannot be paired up by position. The
//   protocol item itself (`-e sip`) prints one label per message, in order:
//   "Session Initiation Protocol (REGISTER)" / "Session Initiation Protocol (302)"; it tells
//   which messages are requests, and the method and status values are handed out in order.
// - `sip.msg_hdr` is the text after the start line, with CR, LF and TAB printed as `\r`, `\n`,
//   `\t` (a backslash itself is NOT escaped, so `\r` in a header is ambiguous; rare). For the
//   first of several messages in a frame it runs on to the end of the frame, and it includes
//   the body; we cut it at the first empty line.
// - tshark warns "Running as user root" on stderr; stderr is collected, never printed.

import { execFile, execFileSync } from 'node:child_process';

export const TSHARK_INSTALL_HINT =
  'install it with: DEBIAN_FRONTEND=noninteractive apt-get install -y tshark tcpdump';

/** tshark is not on PATH (or the given path does not run). */
export class TsharkNotFoundError extends Error {
  constructor(detail?: string) {
    super(`tshark is not installed or not on PATH${detail ? ` (${detail})` : ''}; ${TSHARK_INSTALL_HINT}`);
    this.name = 'TsharkNotFoundError';
  }
}

/** tshark ran but failed (bad file, bad option…). `stderr` holds what it said. */
export class TsharkError extends Error {
  constructor(
    message: string,
    readonly exitCode: number | null,
    readonly stderr: string,
  ) {
    super(message);
    this.name = 'TsharkError';
  }
}

/** The path of tshark found with `which`, or undefined when it is not installed. */
export function findTshark(): string | undefined {
  try {
    const out = execFileSync('which', ['tshark'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const path = out.trim().split('\n')[0];
    return path ? path : undefined;
  } catch {
    return undefined;
  }
}

function requireTshark(explicit?: string): string {
  const path = explicit ?? findTshark();
  if (!path) throw new TsharkNotFoundError();
  return path;
}

export interface RunResult {
  stdout: string;
  stderr: string;
}

/** Runs tshark with `args`; stderr goes to a buffer. Rejects with TsharkError on failure. */
export function runTshark(args: readonly string[], options: { tsharkPath?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  const path = requireTshark(options.tsharkPath);
  return new Promise((resolve, reject) => {
    execFile(
      path,
      [...args],
      { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024, timeout: options.timeoutMs ?? 60_000, windowsHide: true },
      (error, stdout, stderr) => {
        if (error) {
          const code = (error as NodeJS.ErrnoException).code;
          if (code === 'ENOENT' || code === 'EACCES') {
            reject(new TsharkNotFoundError(`${path}: ${code}`));
            return;
          }
          const exitCode = typeof error.code === 'number' ? error.code : null;
          const said = stripRootWarning(stderr).trim();
          reject(
            new TsharkError(
              `tshark ${args.join(' ')} failed` +
                (error.killed ? ' (killed, timeout?)' : exitCode !== null ? ` with exit code ${exitCode}` : '') +
                (said ? `: ${said}` : ''),
              exitCode,
              stderr,
            ),
          );
          return;
        }
        resolve({ stdout, stderr });
      },
    );
  });
}

function stripRootWarning(stderr: string): string {
  return stderr
    .split('\n')
    .filter((l) => !/^Running as user "root"/.test(l))
    .join('\n');
}

/** The first line of `tshark --version`, e.g. "TShark (Wireshark) 4.0.17 (…)". */
export async function tsharkVersion(tsharkPath?: string): Promise<string> {
  const { stdout } = await runTshark(['--version'], { tsharkPath });
  return stdout.split('\n')[0]!.trim();
}

// ---------------------------------------------------------------------------------------------
// SIP message list

export const FIELD_SEPARATOR = '\u001f';
export const FIELD_AGGREGATOR = '\u001e';

/** The `-e` fields, in output order. */
export const SIP_FIELDS = [
  'frame.number',
  'frame.time_epoch',
  'ip.src',
  'ipv6.src',
  'ip.dst',
  'ipv6.dst',
  'udp.srcport',
  'tcp.srcport',
  'udp.dstport',
  'tcp.dstport',
  'sip',
  'sip.Method',
  'sip.Status-Code',
  'sip.Call-ID',
  'sip.CSeq',
  'sip.msg_hdr',
] as const;

type SipField = (typeof SIP_FIELDS)[number];

export interface HeaderLineField {
  name: string;
  /** The value with folds joined by one space, trimmed. */
  value: string;
}

/** One SIP message as tshark saw it. */
export interface TsharkSipRow {
  /** The frame tshark reports it in (for TCP: the frame completing the reassembled message). */
  frame: number;
  /** frame.time_epoch as printed (seconds with 9 decimals). */
  timeEpoch: string;
  timeNs: bigint;
  transport: 'udp' | 'tcp' | undefined;
  src: string;
  srcPort: number | undefined;
  dst: string;
  dstPort: number | undefined;
  /** Index of the message within its frame (0 unless a frame carries several). */
  indexInFrame: number;
  kind: 'request' | 'response' | 'unknown';
  method: string | undefined;
  statusCode: number | undefined;
  callId: string | undefined;
  /** CSeq as written, e.g. "1 REGISTER". */
  cseq: string | undefined;
  /** The header block (after the start line, up to the empty line), escapes undone. */
  headerBlock: string;
  /** The physical header lines of the block (a folded field gives several lines). */
  headerLines: string[];
  /** The header fields (continuation lines joined to their field). */
  headers: HeaderLineField[];
}

export interface ReadSipOptions {
  /** Ports to force-decode as SIP on both UDP and TCP (`-d udp.port==N,sip -d tcp.port==N,sip`). */
  ports?: readonly number[];
  tsharkPath?: string;
  timeoutMs?: number;
}

/** The argument list `readSipMessages` passes to tshark. */
export function sipFieldArgs(file: string, ports: readonly number[] = []): string[] {
  const args = ['-n', '-r', file, '-o', 'tcp.reassemble_out_of_order:TRUE'];
  for (const port of new Set(ports)) {
    if (!Number.isInteger(port) || port < 1 || port > 0xffff) throw new RangeError(`bad port: ${port}`);
    args.push('-d', `udp.port==${port},sip`, '-d', `tcp.port==${port},sip`);
  }
  args.push('-Y', 'sip', '-T', 'fields', '-E', 'header=y');
  args.push('-E', `separator=${FIELD_SEPARATOR}`, '-E', `aggregator=${FIELD_AGGREGATOR}`, '-E', 'occurrence=a');
  for (const f of SIP_FIELDS) args.push('-e', f);
  return args;
}

/** Runs tshark on a pcap/pcapng file and returns one row per SIP message, in file order. */
export async function readSipMessages(file: string, options: ReadSipOptions = {}): Promise<TsharkSipRow[]> {
  const { stdout } = await runTshark(sipFieldArgs(file, options.ports), options);
  return parseSipFieldOutput(stdout);
}

/** Undoes tshark's escaping of `-T fields` string values (`\r`, `\n`, `\t`). */
export function unescapeFieldValue(value: string): string {
  return value.replace(/\\([rnt])/g, (_m, c: string) => (c === 'r' ? '\r' : c === 'n' ? '\n' : '\t'));
}

/** Splits an unescaped msg_hdr at the first empty line into physical lines. */
export function headerLinesOf(msgHdr: string): { block: string; lines: string[] } {
  const end = msgHdr.search(/\r?\n\r?\n/);
  const block = end >= 0 ? msgHdr.slice(0, end) : msgHdr.replace(/\r?\n$/, '');
  const lines = block === '' ? [] : block.split(/\r?\n/);
  return { block, lines };
}

function fieldsOf(lines: readonly string[]): HeaderLineField[] {
  const out: HeaderLineField[] = [];
  for (const line of lines) {
    if (/^[ \t]/.test(line) && out.length > 0) {
      const last = out[out.length - 1]!;
      last.value = `${last.value} ${line.trim()}`.trim();
      continue;
    }
    const colon = line.indexOf(':');
    if (colon < 0) out.push({ name: line.trim(), value: '' });
    else out.push({ name: line.slice(0, colon).trim(), value: line.slice(colon + 1).trim() });
  }
  return out;
}

function epochToNs(text: string): bigint {
  const m = /^(\d+)(?:\.(\d+))?$/.exec(text);
  if (!m) return 0n;
  const frac = (m[2] ?? '').padEnd(9, '0').slice(0, 9);
  return BigInt(m[1]!) * 1_000_000_000n + BigInt(frac);
}

function toPort(text: string | undefined): number | undefined {
  if (text === undefined || text === '') return undefined;
  const n = Number(text);
  return Number.isInteger(n) ? n : undefined;
}

/** Parses the output of `tshark … -T fields` run with `sipFieldArgs` (header line expected). */
export function parseSipFieldOutput(stdout: string): TsharkSipRow[] {
  const lines = stdout.split('\n').filter((l) => l !== '');
  if (lines.length === 0) return [];
  const header = lines[0]!.split(FIELD_SEPARATOR);
  const column = new Map<string, number>(header.map((h, i) => [h, i]));
  for (const f of SIP_FIELDS) {
    if (!column.has(f)) throw new Error(`tshark output lacks the column ${f}; header was ${JSON.stringify(lines[0])}`);
  }
  const rows: TsharkSipRow[] = [];
  for (const line of lines.slice(1)) {
    const cells = line.split(FIELD_SEPARATOR);
    const all = (f: SipField): string[] => {
      const cell = cells[column.get(f)!] ?? '';
      return cell === '' ? [] : cell.split(FIELD_AGGREGATOR);
    };
    const first = (f: SipField): string | undefined => all(f)[0];

    const labels = all('sip');
    const methods = all('sip.Method');
    const statuses = all('sip.Status-Code');
    const callIds = all('sip.Call-ID');
    const cseqs = all('sip.CSeq');
    const hdrs = all('sip.msg_hdr');
    const count = Math.max(labels.length, hdrs.length, callIds.length, methods.length + statuses.length);

    const udpSrc = toPort(first('udp.srcport'));
    const tcpSrc = toPort(first('tcp.srcport'));
    const transport = tcpSrc !== undefined ? 'tcp' : udpSrc !== undefined ? 'udp' : undefined;
    const timeEpoch = first('frame.time_epoch') ?? '';
    let nextMethod = 0;
    let nextStatus = 0;
    for (let i = 0; i < count; i++) {
      // Which kind is message i? The protocol label says "(METHOD)" or "(NNN)".
      const label = /\(([^()]*)\)\s*$/.exec(labels[i] ?? '')?.[1];
      let kind: TsharkSipRow['kind'] = 'unknown';
      // A label that is neither the next status nor the next method ("Continuation", …) is
      // 'unknown' and consumes neither.
      if (label !== undefined && label === statuses[nextStatus]) kind = 'response';
      else if (label !== undefined && label === methods[nextMethod]) kind = 'request';
      else if (count === 1 && methods.length === 1) kind = 'request';
      else if (count === 1 && statuses.length === 1) kind = 'response';
      const method = kind === 'request' ? methods[nextMethod++] : undefined;
      const status = kind === 'response' ? statuses[nextStatus++] : undefined;
      const { block, lines: headerLines } = headerLinesOf(unescapeFieldValue(hdrs[i] ?? ''));
      rows.push({
        frame: Number(first('frame.number')),
        timeEpoch,
        timeNs: epochToNs(timeEpoch),
        transport,
        src: first('ip.src') ?? first('ipv6.src') ?? '',
        srcPort: tcpSrc ?? udpSrc,
        dst: first('ip.dst') ?? first('ipv6.dst') ?? '',
        dstPort: toPort(first('tcp.dstport')) ?? toPort(first('udp.dstport')),
        indexInFrame: i,
        kind,
        method,
        statusCode: status === undefined ? undefined : Number(status),
        callId: callIds[i],
        cseq: cseqs[i],
        headerBlock: block,
        headerLines,
        headers: fieldsOf(headerLines),
      });
    }
  }
  return rows;
}
