// The robustness fault switches (SOS-ERR-1, SOS-ERR-6) change what a node does with hostile
// input, compared with a healthy node given the same bytes: proof that the robustness
// suite's crash, size and flood checks can fail.
import dgram = require('dgram');
import net = require('net');
import { InProcessRing, loopbackAddress } from './inprocess';
import { SosimpleNode, silentLog } from './node';
import { MAX_MESSAGE_BYTES } from './raw-guard';
import { SipEndpoint } from './sip-endpoint';
import { RawPeer, waitFor } from './test-support';

jest.setTimeout(20_000);

const ring = new InProcessRing({ port: 5070, firstAddress: 11_000, stabilizeMs: 10_000 });
const peer = new RawPeer(loopbackAddress(11_099), 5071);
beforeAll(() => peer.start());
afterAll(async () => {
  await ring.close();
  await peer.close();
});

const at = (n: SosimpleNode) => ({ host: n.self.host, port: n.self.port });

/** A node query for the node's own ID: answered 200 by a lone node. */
function ownQuery(n: SosimpleNode, branch: string, extra: string[] = []): string[] {
  return [...peer.head('REGISTER', at(n), branch, `sip:${n.self.id}@${peer.host}:${peer.port};user=node;alg=rsa-sha1;overlay=chat`), ...peer.dht(), ...extra, 'Content-Length: 0', '', ''];
}

async function alive(n: SosimpleNode): Promise<boolean> {
  return peer.exchange(at(n), (b) => ownQuery(n, b), 1500).then(
    () => true,
    () => false,
  );
}

function sendDatagram(to: { host: string; port: number }, text: string, from = peer): Promise<void> {
  const sock = dgram.createSocket('udp4');
  return new Promise((resolve) => {
    sock.bind(0, from.host, () => sock.send(Buffer.from(text, 'latin1'), to.port, to.host, () => sock.close(() => resolve())));
  });
}

/** Writes `text` on a fresh TCP connection and returns what came back within `waitMs`. */
function tcpExchange(to: { host: string; port: number }, text: string, waitMs: number): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const s = net.connect({ host: to.host, port: to.port, localAddress: peer.host }, () => s.write(Buffer.from(text, 'latin1')));
    const done = (): void => {
      clearTimeout(timer);
      s.destroy();
      resolve(Buffer.concat(chunks).toString('latin1'));
    };
    const timer = setTimeout(done, waitMs);
    s.on('data', (c: Buffer) => {
      chunks.push(c);
      if (/^SIP\/2\.0 \d{3} [^\r]*\r\n[\s\S]*\r\n\r\n/.test(Buffer.concat(chunks).toString('latin1'))) done();
    });
    s.on('error', done);
    s.on('close', done);
  });
}

describe('robustness fault switches', () => {
  it('SOS-ERR-1 crash-on-bad-content-length: a Content-Length beyond the body kills the node; a healthy node answers 400 and stays up', async () => {
    const healthy = await ring.add();
    const faulty = await ring.add({ faults: 'crash-on-bad-content-length' });
    const bad = (n: SosimpleNode): string => ownQuery(n, `z9hG4bK-cl-${n.self.host}`).join('\r\n').replace('Content-Length: 0', 'Content-Length: 50');
    await sendDatagram(at(healthy), bad(healthy));
    await sendDatagram(at(faulty), bad(faulty));
    await waitFor('the faulty node to crash', () => faulty.isStopped, 5000);
    expect({ healthyStopped: healthy.isStopped, healthyAnswers: await alive(healthy), faultyAnswers: await alive(faulty) }).toEqual({
      healthyStopped: false,
      healthyAnswers: true,
      faultyAnswers: false,
    });
  });

  it('SOS-ERR-6 no-size-bound: a node query over 64 KiB on TCP is served (200); a healthy node does not serve it', async () => {
    const healthy = await new InProcessRing({ ...ring.opts, firstAddress: 11_010 }).add();
    const faulty = await new InProcessRing({ ...ring.opts, firstAddress: 11_020 }).add({ faults: 'no-size-bound' });
    ring.nodes.push(healthy, faulty);
    const big = (n: SosimpleNode): string => ownQuery(n, `z9hG4bK-big-${n.self.host}`, [`X-Pad: ${'a'.repeat(MAX_MESSAGE_BYTES + 4000)}`]).join('\r\n');
    const status = (rs: string): string => rs.split(' ')[1] ?? 'no answer';
    const good = status(await tcpExchange(at(healthy), big(healthy), 2000));
    const bad = status(await tcpExchange(at(faulty), big(faulty), 2000));
    expect(good).not.toBe('200');
    expect(bad).toBe('200');
  });

  it.each([
    [false, true],
    [true, false],
  ])('SOS-ERR-6 flood budget shared=%s: another address is still served after one address spent its budget: %s', async (shared, servedAfter) => {
    const address = loopbackAddress(11_030 + (shared ? 1 : 0));
    let delivered: string[] = [];
    const endpoint = new SipEndpoint({
      address,
      port: 5070,
      onRequest: (rq) => delivered.push(String(rq.headers['call-id'])),
      log: silentLog,
      rejectMalformed: true,
      floodPerSecond: 1,
      ...(shared ? { sharedFloodBudget: true } : {}),
    });
    await endpoint.start();
    const other = new RawPeer(loopbackAddress(11_098), 5071);
    const options = (p: RawPeer, callId: string): string =>
      [`OPTIONS sip:${address}:5070 SIP/2.0`, `Via: SIP/2.0/UDP ${p.host}:${p.port};branch=z9hG4bK-${callId}`, `To: <sip:${address}:5070>`, `From: <sip:x@${p.host}:${p.port}>;tag=f`, `Call-ID: ${callId}`, 'CSeq: 1 OPTIONS', 'Max-Forwards: 70', 'Content-Length: 0', '', ''].join('\r\n');
    try {
      for (let i = 0; i < 10; i++) await sendDatagram({ host: address, port: 5070 }, options(peer, `flood-${i}`));
      await waitFor('the flood to be handled', () => delivered.length >= 1, 3000);
      delivered = [];
      await sendDatagram({ host: address, port: 5070 }, options(other, 'other-peer'), other);
      await new Promise((r) => setTimeout(r, 300));
      expect(delivered.includes('other-peer')).toBe(servedAfter);
    } finally {
      endpoint.close();
    }
  });
});
