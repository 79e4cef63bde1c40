// One SIP endpoint (UDP, and TCP for serving) over the `sip` package, with the guards its
// defects need (notes B): sip.create per node (never the singletons), an explicit port (port 0
// would bind 5060), 'error' listeners (EADDRINUSE would crash the process), raw input checked
// before the package parses it (SOS-ERR-1/6, socket-hooks.ts), and app-level request timeouts
// (the package's Timer F is a fixed 32 s). The node itself always sends over UDP.
import dgram = require('dgram');
import net = require('net');
import { randomBytes } from 'crypto';
import * as sip from 'sip';
import { FloodLimiter, GuardVerdict, MAX_MESSAGE_BYTES, contentLengthDisagrees, inspectDatagram, rejectionFor } from './raw-guard';
import { Captured, listening, withHookedTransports } from './socket-hooks';
import { StreamFramer } from './stream-framer';

function rejectOrDrop(text: string, why: string): GuardVerdict {
  const response = rejectionFor(text, why, newTag());
  return response ? { kind: 'reject', why, response } : { kind: 'drop', why };
}

/**
 * SOS-ERR-6: requests per second one address may have served (a peer's own traffic is a few
 * per second). Far below what the node can serve, so that a flood from one address is cut
 * cheaply at the socket and the node keeps up with everyone else even on a busy machine; at
 * 2,000/s (about the node's whole capacity, BENCHMARKS.md) a flood left no room for other
 * peers. SOSIMPLE_FLOOD_PER_SECOND overrides it (a throughput benchmark from one address).
 */
export const DEFAULT_FLOOD_PER_SECOND = 100;
/** A UDP receive buffer that rides out a pause of the process during a flood (capped by net.core.rmem_max). */
const UDP_RECEIVE_BUFFER = 4 * 1024 * 1024;

export interface EndpointLog {
  debug(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface EndpointOptions {
  address: string;
  port: number;
  onRequest: (rq: sip.Message, remote: sip.Remote) => void;
  log: EndpointLog;
  /** Answer malformed requests with 400 (off only under the `no-400` fault). */
  rejectMalformed: boolean;
  /** Serve TCP as well as UDP (default true). */
  tcp?: boolean;
  floodPerSecond?: number;
  /** Largest message served (SOS-ERR-6); raised only by the `no-size-bound` fault. */
  maxMessageBytes?: number;
  /** One flood budget for every source address: only the `flood-limit-shared` fault. */
  sharedFloodBudget?: boolean;
  /** Called for a message whose Content-Length disagrees with its body (or, on TCP, is no number): only the `crash-on-bad-content-length` fault. */
  onBadContentLength?: (why: string) => void;
}

export class SipEndpoint {
  private stack: sip.Stack | undefined;
  private socket: dgram.Socket | undefined;
  private captured: Captured | undefined;
  private readonly framers = new WeakMap<net.Socket, StreamFramer>();
  private closed = false;
  private readonly pending = new Set<() => void>();
  private readonly limiter: FloodLimiter;

  constructor(private readonly opts: EndpointOptions) {
    this.limiter = new FloodLimiter(opts.floodPerSecond ?? DEFAULT_FLOOD_PER_SECOND, () => Date.now());
  }

  private get maxBytes(): number {
    return this.opts.maxMessageBytes ?? MAX_MESSAGE_BYTES;
  }

  /** Binds UDP (and TCP), resolving once both listen and rejecting on a bind error. */
  async start(): Promise<void> {
    const { address, port } = this.opts;
    if (!Number.isInteger(port) || port <= 0) throw new Error(`explicit port needed, got ${port}`);
    const { result, captured } = withHookedTransports(
      {
        onDatagram: (data, rinfo, deliver) => this.onDatagram(data, rinfo, deliver),
        onStreamData: (stream, chunk, deliver) => this.onStreamData(stream, chunk, deliver),
        isClosed: () => this.closed,
      },
      () =>
        sip.create(
          {
            address,
            port,
            publicAddress: address,
            udp: true,
            tcp: this.opts.tcp !== false,
            maxBytesHeaders: this.maxBytes,
            maxContentLength: this.maxBytes,
            logger: { error: (e) => this.opts.log.warn({ err: String(e) }, 'sip stack error') },
          },
          (rq, remote) => this.opts.onRequest(rq, remote),
        ),
    );
    this.stack = result;
    this.captured = captured;
    const { socket, server } = captured;
    if (!socket) throw new Error('the sip package created no UDP socket');
    this.socket = socket;
    try {
      await Promise.all([listening(socket, `udp ${address}:${port}`), server ? listening(server, `tcp ${address}:${port}`) : undefined]);
    } catch (e) {
      this.close();
      throw e;
    }
    socket.on('error', (err) => this.opts.log.warn({ err: err.message }, 'udp socket error'));
    try {
      socket.setRecvBufferSize(UDP_RECEIVE_BUFFER); // SOS-ERR-6: a flood is cut here, not by the kernel for every peer alike
    } catch (e) {
      this.opts.log.debug({ err: String(e) }, 'cannot enlarge the UDP receive buffer');
    }
    server?.on('error', (err) => this.opts.log.warn({ err: err.message }, 'tcp server error'));
  }

  private onDatagram(data: Buffer, rinfo: dgram.RemoteInfo, deliver: (data: Buffer, rinfo: dgram.RemoteInfo) => void): void {
    if (this.closed) return;
    if (!this.limiter.allow(this.opts.sharedFloodBudget ? '*' : rinfo.address)) return; // SOS-ERR-6
    if (this.opts.onBadContentLength && contentLengthDisagrees(data)) this.opts.onBadContentLength(`Content-Length disagrees with the body from ${rinfo.address}:${rinfo.port}`);
    const verdict = inspectDatagram(data, newTag(), this.maxBytes);
    if (verdict.kind === 'pass') {
      deliver(data, rinfo);
      return;
    }
    this.opts.log.debug({ from: `${rinfo.address}:${rinfo.port}`, why: verdict.why }, 'malformed datagram');
    if (verdict.kind === 'reject' && this.opts.rejectMalformed) this.sendRaw(verdict.response, rinfo.address, rinfo.port);
  }

  /** TCP: the same checks per framed message (RFC 3261 §18.3), answers on the same stream. */
  private onStreamData(stream: net.Socket, chunk: string, deliver: (text: string) => void): void {
    if (this.closed) return;
    let framer = this.framers.get(stream);
    if (!framer) {
      framer = new StreamFramer(this.maxBytes);
      this.framers.set(stream, framer);
    }
    for (const item of framer.push(chunk)) {
      if (!this.limiter.allow(this.opts.sharedFloodBudget ? '*' : stream.remoteAddress ?? '')) continue;
      if (this.opts.onBadContentLength && item.kind === 'bad' && contentLengthDisagrees(Buffer.from(item.text, 'latin1'))) {
        this.opts.onBadContentLength(`Content-Length is not a length from ${stream.remoteAddress}:${stream.remotePort}`);
      }
      const verdict: GuardVerdict =
        item.kind === 'message' ? inspectDatagram(Buffer.from(item.text, 'latin1'), newTag(), this.maxBytes) : rejectOrDrop(item.text, item.why);
      if (verdict.kind === 'pass') {
        deliver(item.text);
        continue;
      }
      this.opts.log.debug({ from: `${stream.remoteAddress}:${stream.remotePort}`, why: verdict.why }, 'malformed stream message');
      if (verdict.kind === 'reject' && this.opts.rejectMalformed) stream.write(verdict.response, 'latin1');
    }
  }

  sendRaw(text: string, host: string, port: number): void {
    if (this.closed || !this.socket) return;
    const buf = Buffer.from(text, 'latin1');
    this.socket.send(buf, 0, buf.length, port, host);
  }

  /**
   * Sends a request and resolves with its final response, or `undefined` when none came in
   * `timeoutMs` (SOS-MAINT-3 failure detection).
   */
  request(m: sip.Message, timeoutMs: number): Promise<sip.Message | undefined> {
    if (this.closed || !this.stack) return Promise.resolve(undefined);
    const stack = this.stack;
    return new Promise((resolve) => {
      let done = false;
      const finish = (rs: sip.Message | undefined): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        this.pending.delete(cancel);
        resolve(rs);
      };
      const cancel = (): void => finish(undefined);
      const timer = setTimeout(cancel, timeoutMs);
      this.pending.add(cancel);
      try {
        stack.send(m, (rs) => {
          if (rs.status !== undefined && rs.status >= 200) finish(rs.status === 408 || rs.status === 503 ? undefined : rs);
        });
      } catch (e) {
        this.opts.log.warn({ err: String(e) }, 'send failed');
        finish(undefined);
      }
    });
  }

  respond(rs: sip.Message): void {
    if (this.closed || !this.stack) return;
    try {
      this.stack.send(rs);
    } catch (e) {
      this.opts.log.warn({ err: String(e) }, 'response send failed');
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const cancel of [...this.pending]) cancel();
    // A client transaction enters its first state on the next tick; destroying after that
    // tick lets the package clear its timers instead of arming them on a dead stack.
    const stack = this.stack;
    for (const s of this.captured?.streams ?? []) s.destroy(); // server.close() keeps open streams
    setImmediate(() => {
      try {
        stack?.destroy();
      } catch (e) {
        this.opts.log.warn({ err: String(e) }, 'destroy failed');
      }
    });
  }
}

export function newTag(): string {
  return randomBytes(6).toString('hex');
}

export function newCallId(host: string): string {
  return `${randomBytes(10).toString('hex')}@${host}`;
}
