// Errors and robustness (catalogue §8): what a node answers to requests it must refuse, and
// that it keeps answering afterwards. One ring of 3 nodes; requests go to node 1.

import { nodeQuery, nodeRegister, nodeUri } from '../harness/sip/craft';
import { nodeIdOf } from '../harness/overlay/id';
import { headerValue } from '../harness/sip/headers';
import type { SipMessage } from '../harness/sip/types';
import type { MessageBuilder } from '../harness/sip/builder';
import { useRing } from './support/ring';
import { sweepWire } from './support/wire-sweep';

describe('errors and robustness', () => {
  const ring = useRing(3, 'suite-errors');

  async function answer(request: (to: { host: string; port: number }) => MessageBuilder | Uint8Array): Promise<SipMessage> {
    const r = ring();
    const node = r.nodes[0]!;
    const { message } = await r.probe.request(node, request(node), { timeoutMs: 3000 });
    return message;
  }
  const status = (m: SipMessage): number => (m.startLine.kind === 'response' ? m.startLine.status : 0);

  it('SOS-ERR-1 a syntactically broken request gets 400, and the node keeps answering', async () => {
    const r = ring();
    const broken = await answer((to) => nodeQuery(r.probe.endpoint, to, r.nodes[0]!.nodeId).set('Max-Forwards', 'seventy').set('Content-Length', '0'));
    expect(status(broken)).toBe(400);
    const after = await answer((to) => nodeQuery(r.probe.endpoint, to, r.nodes[0]!.nodeId));
    expect(status(after)).toBe(200);
  });

  it('SOS-ERR-2 an unsupported Require tag gets 420 with Unsupported naming it', async () => {
    const r = ring();
    const m = await answer((to) => nodeQuery(r.probe.endpoint, to, r.nodes[0]!.nodeId).set('Require', 'dht, x-no-such-extension'));
    expect({ status: status(m), unsupported: headerValue(m, 'unsupported') }).toEqual({ status: 420, unsupported: 'x-no-such-extension' });
  });

  it('SOS-ERR-3 a request for an overlay the node is not in gets 488', async () => {
    const r = ring();
    const m = await answer((to) => nodeQuery(r.probe.endpoint, to, r.nodes[0]!.nodeId, { overlay: 'not-this-overlay' }));
    expect(status(m)).toBe(488);
  });

  it('SOS-ERR-4 an unknown alg gets 488', async () => {
    const r = ring();
    const m = await answer((to) => {
      const text = Buffer.from(nodeQuery(r.probe.endpoint, to, r.nodes[0]!.nodeId).build()).toString('utf8');
      return Buffer.from(text.replace(/alg=rsa-sha1/g, 'alg=md5').replace(/DHT-NodeID: rsa-sha1/, 'DHT-NodeID: md5'), 'utf8');
    });
    expect(status(m)).toBe(488);
  });

  it('SOS-ERR-5 a malformed DHT-NodeID gets 400', async () => {
    const r = ring();
    const m = await answer((to) => nodeQuery(r.probe.endpoint, to, r.nodes[0]!.nodeId).set('DHT-NodeID', 'rsa-sha1 not-an-id'));
    expect(status(m)).toBe(400);
  });

  it('SOS-ERR-7 a REGISTER without Require: dht gets 421 with Require: dht (SHOULD)', async () => {
    const r = ring();
    const m = await answer((to) => nodeRegister(r.probe.endpoint, to).remove('Require'));
    expect({ status: status(m), require: headerValue(m, 'require') }).toEqual({ status: 421, require: 'dht' });
  });

  it('SOS-ERR-8 a node query whose From node URI is not the hash of its address gets 493 (SHOULD)', async () => {
    const r = ring();
    const p = r.probe.endpoint;
    // The From and DHT-NodeID agree with each other, but name an ID that is not SHA-1 of the probe's ip:port.
    const claimed = nodeIdOf('10.255.0.8', 5060);
    const m = await answer((to) =>
      nodeQuery(p, to, r.nodes[0]!.nodeId)
        .set('From', `<${nodeUri(p, 'chat', claimed)}>;tag=err8`)
        .set('DHT-NodeID', `rsa-sha1 ${claimed} ${p.host}:${p.port}`),
    );
    expect(status(m)).toBe(493);
  });

  sweepWire(ring);
});
