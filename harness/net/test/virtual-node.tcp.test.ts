import { nodeRegister, nodeUri } from '../../sip/craft';
import { headerValue } from '../../sip/headers';
import { TransactionClosedError, TransactionTimeoutError } from '../client-transaction';
import { Trace } from '../trace';
import { VirtualNode } from '../virtual-node';
import { statusOf, until } from './net-helpers';

const TCP = { transport: 'TCP' as const };

describe('VirtualNode over TCP', () => {
  let trace: Trace;
  let a: VirtualNode;
  let b: VirtualNode;

  beforeEach(async () => {
    trace = new Trace();
    a = await VirtualNode.start({ host: '127.0.0.2', name: 'A', tcp: true, trace, timeoutMs: 1000 });
    b = await VirtualNode.start({ host: '127.0.0.3', name: 'B', tcp: true, trace, timeoutMs: 1000 });
  });

  afterEach(async () => {
    await Promise.all([a.close(), b.close()]);
  });

  it('sends a join answered 302 then 200 over one connection, framed by Content-Length', async () => {
    let joins = 0;
    b.onRequest(() => (++joins === 1 ? { status: 302, headers: [['Contact', `<${nodeUri({ host: '127.0.0.9', port: 5070 })}>`]] } : { status: 200 }));
    const first = await a.request(b.endpoint, nodeRegister(a.endpoint, b.endpoint, { ...TCP, cseq: 1, callId: 'tcp@a' }), { transport: 'tcp' });
    const second = await a.request(b.endpoint, nodeRegister(a.endpoint, b.endpoint, { ...TCP, cseq: 2, callId: 'tcp@a' }), { transport: 'tcp' });
    expect([statusOf(first), statusOf(second)]).toEqual([302, 200]);
    expect(first.entry.transport).toBe('tcp');
    const outOfA = trace.entries.filter((e) => e.node === 'A' && e.direction === 'out');
    expect(outOfA.map((e) => e.transport)).toEqual(['tcp', 'tcp']);
    expect(outOfA[0]!.local.port).toBe(outOfA[1]!.local.port); // the connection was reused
    expect(outOfA[0]!.local.host).toBe('127.0.0.2'); // opened from the node's own address
    expect(b.requests.map((r) => r.entry.remote.port)).toEqual([outOfA[0]!.local.port, outOfA[0]!.local.port]);
  });

  it('collects a provisional and the final, sending once (no retransmission on TCP)', async () => {
    b.onRequest(() => [{ status: 100 }, { status: 200 }]);
    const tx = a.sendRequest(b.endpoint, nodeRegister(a.endpoint, b.endpoint, TCP), { transport: 'tcp' });
    expect(statusOf(await tx.final)).toBe(200);
    expect(tx.responses.map(statusOf)).toEqual([100, 200]);
    expect(tx.transmissions).toBe(1);
  });

  it('answers a request that arrives on its listener, on the same connection', async () => {
    const arrived = a.waitForRequest('REGISTER', 500);
    const answer = await b.request(a.endpoint, nodeRegister(b.endpoint, a.endpoint, TCP), { transport: 'tcp' });
    const st = await arrived;
    expect(st.entry.transport).toBe('tcp');
    expect(st.entry.local).toEqual({ host: '127.0.0.2', port: a.port });
    expect(statusOf(answer)).toBe(200);
    expect(headerValue(answer.message, 'to')).toContain(`tag=${st.toTag}`);
  });

  it('records a reply without Content-Length as a framing error, drops the connection, and the request times out', async () => {
    const stopBreaking = b.onRequest((st) => {
      st.respond(st.build(200).contentLength('omit'));
      return 'handled';
    });
    const tx = a.sendRequest(b.endpoint, nodeRegister(a.endpoint, b.endpoint, TCP), { transport: 'tcp', timeoutMs: 150 });
    await expect(tx.final).rejects.toThrow(TransactionTimeoutError);
    await expect(tx.final).rejects.toThrow(/over TCP .* within 150 ms \(sent 1 time\(s\), got no response; malformed reply: missing-content-length/);
    expect(a.malformed).toHaveLength(1);
    // The next request needs, and gets, a new connection.
    stopBreaking();
    const again = await a.request(b.endpoint, nodeRegister(a.endpoint, b.endpoint, TCP), { transport: 'tcp' });
    expect(statusOf(again)).toBe(200);
    const ports = new Set(trace.entries.filter((e) => e.node === 'A' && e.direction === 'out').map((e) => e.local.port));
    expect(ports.size).toBe(2);
  });

  it('fails at once, naming the request, when the connection is refused', async () => {
    const udpOnly = await VirtualNode.start({ host: '127.0.0.3' });
    try {
      const tx = a.sendRequest(udpOnly.endpoint, nodeRegister(a.endpoint, udpOnly.endpoint, { ...TCP, callId: 'refused@a' }), { transport: 'tcp' });
      await expect(tx.final).rejects.toThrow(
        `cannot send REGISTER sip:127.0.0.3:${udpOnly.port} to 127.0.0.3:${udpOnly.port} over TCP (Call-ID refused@a): connect ECONNREFUSED 127.0.0.3:${udpOnly.port}`,
      );
      expect(() => udpOnly.sendRequest(a.endpoint, nodeRegister(udpOnly.endpoint, a.endpoint, TCP), { transport: 'tcp' })).toThrow(/without tcp: true/);
    } finally {
      await udpOnly.close();
    }
  });

  it('close() destroys its connections and rejects what is pending', async () => {
    b.setDefaultReply('silence');
    const tx = a.sendRequest(b.endpoint, nodeRegister(a.endpoint, b.endpoint, TCP), { transport: 'tcp', timeoutMs: 5000 });
    await until(() => b.requests.length === 1, 'the request at B');
    await a.close();
    await expect(tx.final).rejects.toThrow(TransactionClosedError);
    // B's side of the connection is gone too: answering now fails and is recorded, not thrown.
    await until(() => {
      b.requests[0]!.respond({ status: 200 });
      return b.errors.length > 0;
    }, 'B to notice the closed connection');
    expect(b.errors[0]!.message).toMatch(/the connection from 127\.0\.0\.2:\d+ is closed/);
  });
});
