// A virtual node: a UDP socket (and optionally a TCP listener) the harness owns, through which
// it plays a SOSIMPLE peer. Its node ID is nodeIdOf(host, port) (SOS-ID-2), so the messages
// it crafts with harness/sip/craft carry a From that passes SOS-ERR-8. It sends requests as
// client transactions, answers what arrives with scripted or default replies, lets tests wait
// for what a node sends to it, and records every message in a Trace.

import { createSocket, type RemoteInfo, type Socket as UdpSocket } from 'node:dgram';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { nodeIdOf } from '../overlay/id';
import { MessageBuilder } from '../sip/builder';
import { parseMessage } from '../sip/parse';
import type { ParseResult } from '../sip/types';
import { ClientTransaction, describeRequest, T1_MS, T2_MS, TransactionClosedError, realTimers, type Received, type RetransmitTimers, type Timers } from './client-transaction';
import { clientMatchKey, transactionKey } from './correlate';
import { minePort, type IdPredicate, type MineOptions, type RingInterval } from './mining';
import { ServerTransaction, reasonPhrase, type DefaultReply, type Reply, type RequestHandler } from './server-transaction';
import { StreamConnection } from './stream-connection';
import { Trace, type Clock, type NetEndpoint, type NetTransport, type TraceEntry } from './trace';

export interface VirtualNodeOptions {
  /** The address to bind and advertise (127.0.0.x in unit tests, the Docker gateway in suites). */
  host: string;
  /** 0 (default): any free port; the bound one is `port`. */
  port?: number;
  /** Also listen on TCP, on the same port number as UDP. */
  tcp?: boolean;
  /** Names the node in the trace; default `host:port`. */
  name?: string;
  /** Shared by the nodes of one test; default a new Trace on `now`. */
  trace?: Trace;
  now?: Clock;
  /** Default time to wait for a final response: 64·T1 (timer F). */
  timeoutMs?: number;
  /** UDP retransmission timers, or false to send once. Default T1 500 ms, T2 4 s. */
  retransmit?: RetransmitTimers | false;
  /** What to answer when no handler claims a request. Default 200 OK. */
  defaultReply?: DefaultReply;
  timers?: Timers;
}

export interface SendOptions {
  transport?: NetTransport;
  timeoutMs?: number;
  retransmit?: RetransmitTimers | false;
}

export type RequestPredicate = string | ((request: ServerTransaction) => boolean);

interface Waiter {
  match: (st: ServerTransaction) => boolean;
  resolve: (st: ServerTransaction) => void;
  reject: (e: Error) => void;
  timer: unknown;
}

export class VirtualNode {
  readonly host: string;
  readonly port: number;
  readonly nodeId: string;
  readonly name: string;
  readonly trace: Trace;
  /** Each new request that arrived (retransmissions absorbed into their transaction), in order. */
  readonly requests: ServerTransaction[] = [];
  /** Every client transaction this node started, in order. */
  readonly transactions: ClientTransaction[] = [];
  /** Responses that matched no transaction of this node. */
  readonly strayResponses: Received[] = [];
  /** Everything that arrived and did not parse (keep-alives excluded). */
  readonly malformed: TraceEntry[] = [];
  /** Socket errors and handler exceptions, kept for the test to inspect rather than thrown. */
  readonly errors: Error[] = [];

  private readonly options: VirtualNodeOptions;
  private readonly timers: Timers;
  private readonly clientByKey = new Map<string, ClientTransaction>();
  private readonly serverByKey = new Map<string, ServerTransaction>();
  private readonly handlers: RequestHandler[] = [];
  private readonly backlog: ServerTransaction[] = [];
  private readonly waiters = new Set<Waiter>();
  private readonly connections = new Set<StreamConnection>();
  private readonly outbound = new Map<string, Promise<StreamConnection>>();
  /** Sockets still connecting: close() must destroy them too, or they outlive the node. */
  private readonly connecting = new Set<Socket>();
  private defaultReply: DefaultReply;
  private closed = false;

  private constructor(options: VirtualNodeOptions, port: number, private readonly udp: UdpSocket, private readonly server: Server | undefined) {
    this.options = options;
    this.host = options.host;
    this.port = port;
    this.nodeId = nodeIdOf(this.host, port);
    this.name = options.name ?? `${this.host}:${port}`;
    this.trace = options.trace ?? new Trace(options.now ? { now: options.now } : {});
    this.timers = options.timers ?? realTimers;
    this.defaultReply = options.defaultReply ?? { status: 200 };
    udp.on('message', (msg: Buffer, rinfo: RemoteInfo) => {
      const bytes = new Uint8Array(msg);
      this.receive(bytes, parseMessage(bytes), 'udp', { host: rinfo.address, port: rinfo.port }, this.endpoint);
    });
    udp.on('error', (e) => this.errors.push(e));
    server?.on('connection', (s: Socket) => this.adopt(s, 'inbound'));
  }

  /** Binds the sockets. With port 0 and TCP, retries a few free ports until both bind on one number. */
  static async start(options: VirtualNodeOptions): Promise<VirtualNode> {
    const wanted = options.port ?? 0;
    for (let attempt = 0; ; attempt++) {
      const udp = createSocket(options.host.includes(':') ? 'udp6' : 'udp4');
      try {
        await new Promise<void>((resolve, reject) => {
          udp.once('error', reject);
          udp.bind({ address: options.host, port: wanted }, () => {
            udp.off('error', reject);
            resolve();
          });
        });
      } catch (e) {
        udp.close();
        throw new Error(`virtual node cannot bind UDP ${options.host}:${wanted}: ${(e as Error).message}`);
      }
      const port = udp.address().port;
      if (!options.tcp) return new VirtualNode(options, port, udp, undefined);
      const server = createServer();
      try {
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen({ host: options.host, port }, () => {
            server.off('error', reject);
            resolve();
          });
        });
        return new VirtualNode(options, port, udp, server);
      } catch (e) {
        udp.close();
        if (wanted !== 0 || attempt >= 4) throw new Error(`virtual node cannot listen on TCP ${options.host}:${port}: ${(e as Error).message}`);
      }
    }
  }

  /** Mines a port whose node ID fits `target` and binds it; a port found taken is excluded and mining goes on. */
  static async startMined(options: VirtualNodeOptions, target: RingInterval | IdPredicate, mining: MineOptions = {}): Promise<VirtualNode> {
    const exclude = new Set(mining.exclude ?? []);
    for (;;) {
      const { port } = minePort(options.host, target, { ...mining, exclude });
      try {
        return await VirtualNode.start({ ...options, port });
      } catch (e) {
        if (!/EADDRINUSE/.test((e as Error).message)) throw e;
        exclude.add(port);
      }
    }
  }

  get endpoint(): NetEndpoint {
    return { host: this.host, port: this.port };
  }

  /**
   * Sends a request and returns its client transaction: `responses` fills as they arrive,
   * `final` settles on the final response, the timeout, a connect failure or close().
   * Throws at once for misuse: a request the codec cannot parse, or one without a top Via
   * branch, Call-ID and CSeq to match responses on (send such bytes with `send`).
   */
  sendRequest(to: NetEndpoint, request: Uint8Array | MessageBuilder, options: SendOptions = {}): ClientTransaction {
    if (this.closed) throw new Error(`virtual node ${this.name} is closed`);
    const transport = options.transport ?? 'udp';
    if (transport === 'tcp' && !this.server) throw new Error(`virtual node ${this.name} was started without tcp: true`);
    const bytes = request instanceof MessageBuilder ? request.build() : request;
    const parsed = parseMessage(bytes, { transport: transport === 'tcp' ? 'stream' : 'udp' });
    if (!parsed.ok) throw new Error(`the request does not parse (${parsed.error.code}: ${parsed.error.message}); use send() for deliberately broken bytes`);
    const message = parsed.message;
    const key = clientMatchKey(message);
    if (message.startLine.kind !== 'request' || key === undefined) {
      throw new Error(`sendRequest needs a request with a Via branch, Call-ID and CSeq: ${message.startLine.raw}`);
    }
    const timeoutMs = options.timeoutMs ?? this.options.timeoutMs ?? 64 * T1_MS;
    const retransmit = options.retransmit ?? this.options.retransmit ?? { t1Ms: T1_MS, t2Ms: T2_MS };
    const tx: ClientTransaction = new ClientTransaction({
      request: message,
      destination: to,
      transport,
      timeoutMs,
      retransmit: transport === 'udp' ? retransmit : false,
      timers: this.timers,
      transmit: (retransmission) => {
        if (transport === 'udp') this.sendUdp(to, bytes, retransmission);
        else this.sendTcp(to, bytes).catch((e: Error) => tx.fail(new Error(`cannot send ${describeRequest(message, to, 'tcp')}: ${e.message}`)));
      },
    });
    this.clientByKey.set(key, tx);
    this.transactions.push(tx);
    tx.start();
    return tx;
  }

  /** Sends a request and waits for its final response. */
  request(to: NetEndpoint, request: Uint8Array | MessageBuilder, options?: SendOptions): Promise<Received> {
    return this.sendRequest(to, request, options).final;
  }

  /** Puts any bytes on the wire, outside any transaction (broken messages, ACKs, stray responses). */
  async send(to: NetEndpoint, bytes: Uint8Array | MessageBuilder, transport: NetTransport = 'udp'): Promise<void> {
    if (this.closed) throw new Error(`virtual node ${this.name} is closed`);
    const raw = bytes instanceof MessageBuilder ? bytes.build() : bytes;
    if (transport === 'udp') this.sendUdp(to, raw, false);
    else await this.sendTcp(to, raw);
  }

  /** Adds a handler for arriving requests; the latest added is asked first. Returns its removal. */
  onRequest(handler: RequestHandler): () => void {
    this.handlers.unshift(handler);
    return () => {
      const i = this.handlers.indexOf(handler);
      if (i >= 0) this.handlers.splice(i, 1);
    };
  }

  setDefaultReply(policy: DefaultReply): void {
    this.defaultReply = policy;
  }

  /**
   * The next new request matching `match` (a method name, or a predicate): the oldest one
   * already arrived and not yet taken by an earlier wait, else the next to arrive. Rejects,
   * listing what did arrive, after `timeoutMs`.
   */
  waitForRequest(match: RequestPredicate, timeoutMs: number): Promise<ServerTransaction> {
    if (this.closed) return Promise.reject(new Error(`virtual node ${this.name} is closed`));
    const test = typeof match === 'string' ? (st: ServerTransaction) => st.method === match : match;
    const i = this.backlog.findIndex(test);
    if (i >= 0) return Promise.resolve(this.backlog.splice(i, 1)[0]!);
    return new Promise<ServerTransaction>((resolve, reject) => {
      const waiter: Waiter = { match: test, resolve, reject, timer: undefined };
      waiter.timer = this.timers.setTimeout(() => {
        this.waiters.delete(waiter);
        const seen = this.requests.map((r) => `${r.method} from ${r.entry.remote.host}:${r.entry.remote.port}`).join(', ') || 'none';
        const what = typeof match === 'string' ? match : 'matching the predicate';
        reject(new Error(`no request ${what} reached virtual node ${this.name} within ${timeoutMs} ms (requests seen: ${seen})`));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  /** Closes every socket and connection; pending transactions and waits reject with a "closed" error. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const tx of this.transactions) tx.fail(new TransactionClosedError(tx.description, this.name));
    for (const w of this.waiters) {
      this.timers.clearTimeout(w.timer);
      w.reject(new Error(`virtual node ${this.name} closed while waiting for a request`));
    }
    this.waiters.clear();
    for (const c of this.connections) c.destroy();
    for (const s of this.connecting) s.destroy();
    await Promise.all([
      new Promise<void>((resolve) => this.udp.close(() => resolve())),
      this.server ? new Promise<void>((resolve) => this.server!.close(() => resolve())) : Promise.resolve(),
    ]);
  }

  // ------------------------------------------------------------------ wire

  private sendUdp(to: NetEndpoint, bytes: Uint8Array, retransmission: boolean): void {
    if (this.closed) return;
    this.trace.record({ node: this.name, direction: 'out', transport: 'udp', local: this.endpoint, remote: to, bytes, retransmission: retransmission || undefined });
    this.udp.send(bytes, to.port, to.host, (e) => e && this.errors.push(e));
  }

  private async sendTcp(to: NetEndpoint, bytes: Uint8Array): Promise<void> {
    const connection = await this.connectTo(to);
    if (!connection.write(bytes)) throw new Error(`the connection to ${to.host}:${to.port} closed`);
    this.trace.record({ node: this.name, direction: 'out', transport: 'tcp', local: connection.local, remote: to, bytes });
  }

  /** Reuses this node's open connection to `to`, or opens one from the node's own address. */
  private connectTo(to: NetEndpoint): Promise<StreamConnection> {
    const key = `${to.host}:${to.port}`;
    const existing = this.outbound.get(key);
    if (existing) return existing;
    const opening = new Promise<StreamConnection>((resolve, reject) => {
      const socket = connect({ host: to.host, port: to.port, localAddress: this.host });
      this.connecting.add(socket);
      socket.once('close', () => this.connecting.delete(socket));
      socket.once('error', reject);
      socket.once('connect', () => {
        this.connecting.delete(socket);
        socket.off('error', reject);
        const connection = this.adopt(socket, 'outbound', key);
        if (this.closed) connection.destroy();
        resolve(connection);
      });
    });
    opening.catch(() => this.outbound.delete(key));
    this.outbound.set(key, opening);
    return opening;
  }

  private adopt(socket: Socket, origin: 'inbound' | 'outbound', outboundKey?: string): StreamConnection {
    const connection = new StreamConnection(
      socket,
      origin,
      (bytes, parsed, conn) => this.receive(bytes, parsed, 'tcp', conn.remote, conn.local, conn),
      (conn) => {
        this.connections.delete(conn);
        if (outboundKey) this.outbound.delete(outboundKey);
      },
    );
    this.connections.add(connection);
    if (this.closed) connection.destroy();
    return connection;
  }

  // ------------------------------------------------------------------ dispatch

  private receive(bytes: Uint8Array, parsed: ParseResult, transport: NetTransport, remote: NetEndpoint, local: NetEndpoint, connection?: StreamConnection): void {
    const entry = this.trace.record({ node: this.name, direction: 'in', transport, local, remote, bytes, parsed });
    if (!parsed.ok) {
      if (parsed.error.code === 'empty') return; // a CRLF keep-alive, not a message
      this.malformed.push(entry);
      // It cannot be matched by parsing; a reply that still carries our branch is attributed to it.
      const text = Buffer.from(bytes).toString('latin1');
      for (const tx of this.transactions) if (!tx.settled && tx.branch && text.includes(tx.branch)) tx.malformed.push(entry);
      return;
    }
    const message = parsed.message;
    if (message.startLine.kind === 'response') {
      const tx = this.clientByKey.get(clientMatchKey(message) ?? '');
      if (tx) tx.receive({ message, entry });
      else this.strayResponses.push({ message, entry });
      return;
    }
    const reply = (out: Uint8Array, retransmission: boolean): void => {
      if (transport === 'udp') this.sendUdp(remote, out, retransmission);
      else if (connection?.write(out)) this.trace.record({ node: this.name, direction: 'out', transport, local, remote, bytes: out, retransmission: retransmission || undefined });
      else this.errors.push(new Error(`cannot answer ${message.startLine.raw}: the connection from ${remote.host}:${remote.port} is closed`));
    };
    const key = transactionKey(message);
    const known = key === undefined ? undefined : this.serverByKey.get(key);
    if (known) {
      if (message.startLine.method === 'ACK' && known.method === 'INVITE') known.acks.push(entry);
      else known.absorb(entry);
      return;
    }
    const st = new ServerTransaction(message, entry, reply);
    if (key !== undefined) this.serverByKey.set(key, st);
    this.requests.push(st);
    this.offerToWaiters(st);
    void this.handle(st);
  }

  private offerToWaiters(st: ServerTransaction): void {
    for (const w of this.waiters) {
      if (!w.match(st)) continue;
      this.waiters.delete(w);
      this.timers.clearTimeout(w.timer);
      w.resolve(st);
      return;
    }
    this.backlog.push(st);
  }

  private async handle(st: ServerTransaction): Promise<void> {
    // An ACK is observed (requests, waitForRequest), never answered: handlers are not asked.
    if (st.method === 'ACK') return;
    try {
      for (const handler of [...this.handlers]) {
        const result = await handler(st);
        if (result === 'silence' || result === 'handled') return;
        if (result !== undefined) {
          for (const r of isReplyList(result) ? result : [result]) st.respond(r);
          return;
        }
        if (st.responded) return;
      }
      if (this.closed) return;
      const policy = this.defaultReply;
      const reply: Reply | 'silence' = typeof policy === 'function' ? policy(st) : policy === 'silence' ? 'silence' : { status: policy.status, reason: policy.reason ?? reasonPhrase(policy.status) };
      if (reply !== 'silence') st.respond(reply);
    } catch (e) {
      this.errors.push(e as Error);
      if (!st.responded && !this.closed) st.respond({ status: 500, reason: 'Server Internal Error' });
    }
  }
}

function isReplyList(r: Reply | readonly Reply[]): r is readonly Reply[] {
  return Array.isArray(r);
}
