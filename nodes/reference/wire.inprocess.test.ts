// The node's bytes on the wire, seen from a raw UDP socket playing a peer: the headers every
// P2P message carries (SOS-WIRE-4/5/6), the probe (SOS-RING-5), the first node (SOS-RING-6),
// and refusals (SOS-ERR-1/7, SOS-JOIN-6).
import net = require('net');
import { nodeIdOf } from './ids';
import { InProcessRing, loopbackAddress } from './inprocess';
import { SosimpleNode } from './node';
import { END, RawPeer, headerLines as lines, waitFor } from './test-support';

jest.setTimeout(20_000);

const ring = new InProcessRing({ port: 5070, firstAddress: 10_300, stabilizeMs: 150, failureTimeoutMs: 900 });
const peer = new RawPeer(loopbackAddress(10_399), 5071);
let first: SosimpleNode;
const at = (n: SosimpleNode) => ({ host: n.self.host, port: n.self.port });

beforeAll(async () => {
  await peer.start();
  first = await ring.add();
});
afterAll(async () => {
  await ring.close();
  await peer.close();
});

describe('on the wire', () => {
  it('SOS-RING-6 a query to the first node: 200, S 1 = itself, no P; every P2P header present', async () => {
    const query = `sip:${first.self.id}@${peer.host}:${peer.port};user=node;alg=rsa-sha1;overlay=chat`;
    const rs = await peer.exchange(at(first), (b) => [...peer.head('REGISTER', at(first), b, query), ...peer.dht(), ...END]);
    expect(rs).toMatch(/^SIP\/2\.0 200 /);
    expect(lines(rs, 'Require')).toEqual(['Require: dht']);
    expect(lines(rs, 'Supported')).toEqual(['Supported: dht']);
    expect(lines(rs, 'DHT-NodeID')).toEqual([`DHT-NodeID: rsa-sha1 ${first.self.id} ${first.self.host}:5070`]);
    expect(lines(rs, 'DHT-Link')).toEqual([`DHT-Link: S 1 rsa-sha1 ${first.self.id} ${first.self.host}:5070`]);
    expect(lines(rs, 'To')).toEqual([expect.stringMatching(/^To: <[^>]+>;tag=\w+$/)]);
  });

  it('SOS-RING-5 OPTIONS probe lists every DHT-Link entry, F included, one per line', async () => {
    await ring.add();
    const own = `sip:${first.self.id}@${first.self.host}:5070;user=node;alg=rsa-sha1;overlay=chat`;
    const rs = await peer.exchange(at(first), (b) => [...peer.head('OPTIONS', at(first), b, own), ...peer.dht(), ...END]);
    const links = lines(rs, 'DHT-Link');
    expect(links.filter((l) => / F \d+ /.test(l))).toHaveLength(160);
    expect(links.some((l) => l.startsWith('DHT-Link: S 1 '))).toBe(true);
    expect(links.every((l) => !l.includes(','))).toBe(true);
  });

  it('SOS-JOIN-1/3 a peer joining is admitted (200, Expires) or redirected with one node Contact', async () => {
    const rs = await peer.exchange(at(first), (b) => [...peer.head('REGISTER', at(first), b), `Contact: <${peer.uri}>`, 'Expires: 600', ...peer.dht(), ...END]);
    if (rs.startsWith('SIP/2.0 302')) expect(lines(rs, 'Contact')).toEqual([expect.stringMatching(/^Contact: <sip:[0-9a-f]{40}@127\.\S+;user=node;alg=rsa-sha1;overlay=chat>$/)]);
    else expect(rs).toMatch(/^SIP\/2\.0 200 [\s\S]*\r\nExpires: 600\r\n/);
  });

  it('SOS-JOIN-6 / SOS-ERR-7 / SOS-ERR-1 refusals: 493, 421, 400, and the node keeps running', async () => {
    const fake = `sip:${nodeIdOf('10.4.5.23', 5060)}@${peer.host}:${peer.port};user=node;alg=rsa-sha1;overlay=chat`;
    const r493 = await peer.exchange(at(first), (b) => [...peer.head('REGISTER', at(first), b, fake, fake), `Contact: <${fake}>`, 'Expires: 600', ...peer.dht(), ...END]);
    expect(r493).toMatch(/^SIP\/2\.0 493 /);
    const r421 = await peer.exchange(at(first), (b) => [...peer.head('REGISTER', at(first), b), `Contact: <${peer.uri}>`, 'Expires: 600', peer.dht()[0], ...END]);
    expect(r421).toMatch(/^SIP\/2\.0 421 [\s\S]*\r\nRequire: dht\r\n/);
    const r400 = await peer.exchange(at(first), (b) => [...peer.head('OPTIONS', at(first), b).filter((l) => !l.startsWith('CSeq')), ...peer.dht(), ...END]);
    expect(r400).toMatch(/^SIP\/2\.0 400 /);
    const again = await peer.exchange(at(first), (b) => [...peer.head('OPTIONS', at(first), b, `sip:${first.self.id}@${first.self.host}:5070`), ...peer.dht(), ...END]);
    expect(again).toMatch(/^SIP\/2\.0 200 /);
  });

  it('SOS-ERR-1 over TCP: a framed request is served, LF-only framing gets 400 on the same stream', async () => {
    const conn = net.connect(first.self.port, first.self.host);
    await new Promise<void>((r) => conn.once('connect', () => r()));
    let got = '';
    conn.setEncoding('latin1');
    conn.on('data', (d: string) => (got += d));
    const probe = (b: string): string[] => [...peer.head('OPTIONS', at(first), b, `sip:${first.self.id}@${first.self.host}:5070`).map((l) => l.replace('/UDP', '/TCP')), ...peer.dht()];
    conn.write([...probe('z9hG4bK-tcp-1'), ...END].join('\r\n'));
    await waitFor('a 200 over TCP', () => /^SIP\/2\.0 200 /.test(got), 3000);
    conn.write([...probe('z9hG4bK-tcp-2'), 'Content-Length: 0', '', ''].join('\n'));
    await waitFor('a 400 over TCP', () => /SIP\/2\.0 400 [^\r]*\r\n[\s\S]*z9hG4bK-tcp-2/.test(got), 3000);
    conn.destroy();
  });
});
