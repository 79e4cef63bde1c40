// Helpers for the in-process tests: the ring oracle computed independently (by sorting the
// IDs), and waiting for a condition instead of sleeping.
import dgram = require('dgram');
import { nodeIdOf } from './ids';
import { NodeState } from './node';
import { fingerStart, successorOf } from './ring';

export async function waitFor(what: string, cond: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 50): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Every way a node's state differs from the Chord definition (SOS-RING-1/2/3). */
export function ringMismatches(states: NodeState[]): string[] {
  const ids = states.map((s) => s.self.id).sort();
  const out: string[] = [];
  for (const s of states) {
    const at = ids.indexOf(s.self.id);
    const n = ids.length;
    const name = `${s.self.host}`;
    const wantP = n > 1 ? ids[(at - 1 + n) % n] : null;
    if ((s.predecessor?.id ?? null) !== wantP) out.push(`${name} P 1 ${s.predecessor?.id ?? 'NULL'} != ${wantP}`);
    const wantS = Array.from({ length: Math.min(4, n - 1) }, (_, k) => ids[(at + k + 1) % n]);
    const gotS = s.successors.map((x) => x.id).filter((x) => x !== s.self.id);
    if (gotS.join() !== wantS.join()) out.push(`${name} S ${gotS.length} entries differ`);
    for (const [i, f] of s.fingers) {
      const want = successorOf(fingerStart(s.self.id, i), ids);
      if (f.id !== want) out.push(`${name} F ${i}`);
    }
  }
  return out;
}

/** A UDP socket playing a peer node: sends hand-written requests, returns the raw answer. */
export class RawPeer {
  readonly id: string;
  readonly uri: string;
  private sock: dgram.Socket | undefined;
  private seq = 0;

  constructor(readonly host: string, readonly port: number, readonly overlay = 'chat') {
    this.id = nodeIdOf(host, port);
    this.uri = `sip:${this.id}@${host}:${port};user=node;alg=rsa-sha1;overlay=${overlay}`;
  }

  async start(): Promise<void> {
    const sock = dgram.createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject);
      sock.bind(this.port, this.host, () => resolve());
    });
    this.sock = sock;
  }

  close(): Promise<void> {
    const s = this.sock;
    this.sock = undefined;
    return new Promise((r) => (s ? s.close(() => r()) : r()));
  }

  /** Sends the lines built around a fresh branch; resolves with the final response text. */
  exchange(to: { host: string; port: number }, build: (branch: string) => string[], timeoutMs = 3000): Promise<string> {
    const sock = this.sock;
    if (!sock) return Promise.reject(new Error('peer not started'));
    const branch = `z9hG4bK-peer-${++this.seq}-${Date.now()}`;
    const text = build(branch).join('\r\n');
    return new Promise((resolve, reject) => {
      const on = (data: Buffer): void => {
        const s = data.toString('latin1');
        if (!s.includes(branch) || !/^SIP\/2\.0 [2-6]/.test(s)) return;
        clearTimeout(timer);
        sock.off('message', on);
        resolve(s);
      };
      const timer = setTimeout(() => {
        sock.off('message', on);
        reject(new Error('no response'));
      }, timeoutMs);
      sock.on('message', on);
      sock.send(Buffer.from(text, 'latin1'), to.port, to.host);
    });
  }

  /** Request line and core headers; To defaults to the peer's own node URI. */
  head(method: string, to: { host: string; port: number }, branch: string, toUri = this.uri, fromUri = this.uri): string[] {
    return [
      `${method} sip:${to.host}:${to.port} SIP/2.0`,
      `Via: SIP/2.0/UDP ${this.host}:${this.port};branch=${branch}`,
      `To: <${toUri}>`,
      `From: <${fromUri}>;tag=p${this.seq}`,
      `Call-ID: ${branch}@test`,
      `CSeq: 1 ${method}`,
      'Max-Forwards: 70',
    ];
  }

  dht(): string[] {
    return [`DHT-NodeID: rsa-sha1 ${this.id} ${this.host}:${this.port}`, 'Require: dht', 'Supported: dht'];
  }
}

export const END = ['Content-Length: 0', '', ''];

export function headerLines(rs: string, name: string): string[] {
  return rs.split('\r\n').filter((l) => l.toLowerCase().startsWith(name.toLowerCase() + ':'));
}
