// The `sip` package creates its UDP socket and TCP server inside sip.create and offers no
// hook before it parses input (notes B, defects 3 and 4). Wrapping dgram.createSocket and
// net.createServer for the duration of that call hands the node both objects and every raw
// datagram or stream chunk first. Synchronous, so no other code runs while they are wrapped.
import dgram = require('dgram');
import net = require('net');

export interface TransportHooks {
  /** A datagram, before the package; `deliver` passes it on. */
  onDatagram(data: Buffer, rinfo: dgram.RemoteInfo, deliver: (data: Buffer, rinfo: dgram.RemoteInfo) => void): void;
  /** A chunk of a TCP stream (latin1 text), before the package's parser; `deliver` passes text on. */
  onStreamData(stream: net.Socket, chunk: string, deliver: (text: string) => void): void;
  /** Sends after close are dropped (a transaction may start its first send on the next tick). */
  isClosed(): boolean;
}

export interface Captured {
  socket?: dgram.Socket;
  server?: net.Server;
  streams: Set<net.Socket>;
}

type DatagramListener = (msg: Buffer, rinfo: dgram.RemoteInfo) => void;

export function withHookedTransports<T>(hooks: TransportHooks, create: () => T): { result: T; captured: Captured } {
  const captured: Captured = { streams: new Set() };
  const originalSocket = dgram.createSocket;
  const originalServer = net.createServer;
  const hookedSocket = (type: dgram.SocketType, listener?: DatagramListener): dgram.Socket => {
    const sock = (originalSocket as (t: dgram.SocketType) => dgram.Socket)(type);
    sock.on('message', (data: Buffer, rinfo: dgram.RemoteInfo) => hooks.onDatagram(data, rinfo, (d, r) => listener?.(d, r)));
    const send = sock.send.bind(sock) as (...a: unknown[]) => void;
    (sock as unknown as { send: (...a: unknown[]) => void }).send = (...a: unknown[]): void => {
      if (!hooks.isClosed()) send(...a);
    };
    captured.socket = sock;
    return sock;
  };
  const hookedServer = (listener: (s: net.Socket) => void): net.Server => {
    const server = (originalServer as (l: (s: net.Socket) => void) => net.Server)((stream) => {
      captured.streams.add(stream);
      stream.on('close', () => captured.streams.delete(stream));
      const on = stream.on.bind(stream) as (ev: string, fn: (...a: unknown[]) => void) => net.Socket;
      (stream as unknown as { on: typeof on }).on = (ev, fn) =>
        ev === 'data' ? on('data', (chunk: unknown) => hooks.onStreamData(stream, String(chunk), (text) => fn(text))) : on(ev, fn);
      listener(stream);
    });
    captured.server = server;
    return server;
  };
  const d = dgram as unknown as { createSocket: unknown };
  const n = net as unknown as { createServer: unknown };
  d.createSocket = hookedSocket;
  n.createServer = hookedServer;
  try {
    return { result: create(), captured };
  } finally {
    d.createSocket = originalSocket;
    n.createServer = originalServer;
  }
}

/** Resolves once the socket or server listens; rejects with the bind error (EADDRINUSE…). */
export function listening(emitter: dgram.Socket | net.Server, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => {
      emitter.removeListener('listening', onListening);
      reject(new Error(`cannot bind ${what}: ${err.message}`));
    };
    const onListening = (): void => {
      emitter.removeListener('error', onError);
      resolve();
    };
    emitter.once('error', onError);
    emitter.once('listening', onListening);
  });
}
