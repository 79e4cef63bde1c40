// Each wire-visible fault switch changes what a lone node sends, compared with a healthy one
// given the same request: proof that the switches (and the checks built on them) can fail.
import { InProcessRing, loopbackAddress } from './inprocess';
import { SosimpleNode } from './node';
import { END, RawPeer, headerLines as lines } from './test-support';

jest.setTimeout(20_000);

const ring = new InProcessRing({ port: 5070, firstAddress: 10_400, stabilizeMs: 10_000 });
const peer = new RawPeer(loopbackAddress(10_499), 5071);
beforeAll(() => peer.start());
afterAll(async () => {
  await ring.close();
  await peer.close();
});

const at = (n: SosimpleNode) => ({ host: n.self.host, port: n.self.port });
type Probe = (n: SosimpleNode) => Promise<string>;

const query: Probe = (n) => {
  const other = `sip:${'0'.repeat(40)}@${peer.host}:${peer.port};user=node;alg=rsa-sha1;overlay=chat`;
  return peer.exchange(at(n), (b) => [...peer.head('REGISTER', at(n), b, other), ...peer.dht(), ...END]);
};
const probe: Probe = (n) => peer.exchange(at(n), (b) => [...peer.head('OPTIONS', at(n), b, `sip:${n.self.id}@${n.self.host}:5070`), ...peer.dht(), ...END]);
const withRequire = (tags: string): Probe => (n) =>
  peer.exchange(at(n), (b) => [...peer.head('OPTIONS', at(n), b, `sip:${n.self.id}@${n.self.host}:5070`), peer.dht()[0], `Require: ${tags}`, ...END]);
const overlay: Probe = (n) =>
  peer.exchange(at(n), (b) => [...peer.head('REGISTER', at(n), b, peer.uri.replace('overlay=chat', 'overlay=other')), ...peer.dht(), ...END]);
const noRequire: Probe = (n) => peer.exchange(at(n), (b) => [...peer.head('REGISTER', at(n), b), `Contact: <${peer.uri}>`, 'Expires: 600', peer.dht()[0], ...END]);
const malformed: Probe = (n) => peer.exchange(at(n), (b) => [...peer.head('OPTIONS', at(n), b).filter((l) => !l.startsWith('CSeq')), ...END], 800).catch(() => 'no response');

const status = (rs: string): string => rs.split(' ')[1] ?? rs;
const cases: Array<[string, Probe, (rs: string) => unknown]> = [
  ['uppercase-node-id', query, (rs) => /[A-F]/.test(lines(rs, 'DHT-NodeID')[0].split(' ')[2])],
  ['no-require-dht', query, (rs) => lines(rs, 'Require').length],
  ['no-dht-nodeid', query, (rs) => lines(rs, 'DHT-NodeID').length],
  ['dht-link-one-line', probe, (rs) => lines(rs, 'DHT-Link').length],
  ['no-to-tag', query, (rs) => /;tag=/.test(lines(rs, 'To')[0])],
  ['p1-self-on-start', query, (rs) => lines(rs, 'DHT-Link').some((l) => l.startsWith('DHT-Link: P 1 '))],
  ['fingers-off-by-one', probe, (rs) => lines(rs, 'DHT-Link').some((l) => l.startsWith('DHT-Link: F 0 '))],
  ['lookup-404-as-200', query, status],
  ['no-420', withRequire('dht, frobnicate'), status],
  ['no-421', noRequire, status],
  ['no-488', overlay, status],
  ['no-400', malformed, status],
];

describe('fault switches on the wire', () => {
  let healthy: SosimpleNode;
  beforeAll(async () => {
    healthy = await ring.add();
  });

  it.each(cases)('%s changes the answer', async (fault, send, observe) => {
    const faulty = await new InProcessRing({ ...ring.opts, firstAddress: 10_410 + cases.findIndex((c) => c[0] === fault) }).add({ faults: fault });
    ring.nodes.push(faulty);
    const good = observe(await send(healthy));
    const bad = observe(await send(faulty));
    expect({ fault, observed: bad }).not.toEqual({ fault, observed: good });
  });
});
