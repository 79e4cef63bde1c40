import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeIdOf } from '../../overlay/id';
import { MessageBuilder } from '../../sip/builder';
import { dhtLinkValue, nodeQuery, nodeRegister, nodeUri } from '../../sip/craft';
import { headerValue, parseDhtNodeId } from '../../sip/headers';
import { TransactionClosedError, TransactionTimeoutError } from '../client-transaction';
import { groupByCallId } from '../correlate';
import { Trace } from '../trace';
import { VirtualNode } from '../virtual-node';
import { sleep, statusOf, until } from './net-helpers';

// Fast timers: T1 20 ms, T2 80 ms; every wait in these tests is a few hundred ms at most.
const FAST = { t1Ms: 20, t2Ms: 80 };

describe('VirtualNode over UDP', () => {
  let trace: Trace;
  let a: VirtualNode;
  let b: VirtualNode;

  beforeEach(async () => {
    trace = new Trace();
    a = await VirtualNode.start({ host: '127.0.0.2', name: 'A', trace, retransmit: FAST, timeoutMs: 1000 });
    b = await VirtualNode.start({ host: '127.0.0.3', name: 'B', trace, retransmit: FAST, timeoutMs: 1000 });
  });

  afterEach(async () => {
    await Promise.all([a.close(), b.close()]);
  });

  it('binds a free port and derives its node ID from address and port (SOS-ID-2)', () => {
    expect(a.port).toBeGreaterThan(0);
    expect(a.nodeId).toBe(nodeIdOf('127.0.0.2', a.port));
    expect(a.endpoint).toEqual({ host: '127.0.0.2', port: a.port });
  });

  it('sends a join answered 302, then a second one answered 200', async () => {
    const other = { host: '127.0.0.9', port: 5070 };
    let joins = 0;
    b.onRequest((st) => {
      joins++;
      return joins === 1
        ? { status: 302, headers: [['Contact', `<${nodeUri(other)}>`]] }
        : { status: 200, headers: [['DHT-Link', dhtLinkValue('P', 1, b.endpoint)], ['DHT-Link', dhtLinkValue('S', 1, b.endpoint)]] };
    });
    const first = await a.request(b.endpoint, nodeRegister(a.endpoint, b.endpoint, { callId: 'join@a', cseq: 1 }));
    expect(statusOf(first)).toBe(302);
    expect(headerValue(first.message, 'contact')).toContain('127.0.0.9:5070');
    expect(headerValue(first.message, 'to')).toMatch(/;tag=[0-9a-f]+$/);
    const second = await a.request(b.endpoint, nodeRegister(a.endpoint, b.endpoint, { callId: 'join@a', cseq: 2 }));
    expect(statusOf(second)).toBe(200);
    expect(second.message.headers.filter((h) => h.key === 'dht-link')).toHaveLength(2);
    // SOS-ERR-8: what B saw carries A's own ID, the hash of the address it sent from.
    const seen = b.requests[0]!;
    const id = parseDhtNodeId(headerValue(seen.request, 'dht-nodeid')!);
    expect(id.ok && id.value.nodeId).toBe(nodeIdOf(seen.entry.remote.host, seen.entry.remote.port));
  });

  it('collects a provisional and the final response, sharing one To-tag', async () => {
    b.onRequest((st) => {
      st.respond({ status: 100 });
      setTimeout(() => st.respond({ status: 200 }), 20);
      return 'handled';
    });
    // No retransmission here, or B would answer one with its cached 100 before the 200.
    const tx = a.sendRequest(b.endpoint, nodeQuery(a.endpoint, b.endpoint, a.nodeId), { retransmit: false });
    const final = await tx.final;
    expect(tx.responses.map(statusOf)).toEqual([100, 200]);
    expect(tx.provisional).toHaveLength(1);
    expect(statusOf(final)).toBe(200);
    expect(headerValue(tx.responses[0]!.message, 'to')).not.toMatch(/tag=/); // 100 carries no tag
    expect(b.requests[0]!.toTag).toBe(/tag=([0-9a-f]+)/.exec(headerValue(final.message, 'to')!)![1]);
  });

  it('retransmits on timer E; the server handles the request once and answers retransmissions from its cache', async () => {
    let handled = 0;
    b.onRequest(async () => {
      handled++;
      await sleep(100); // longer than T1 + 2·T1: A retransmits meanwhile
      return { status: 200 };
    });
    const tx = a.sendRequest(b.endpoint, nodeRegister(a.endpoint, b.endpoint));
    await tx.final;
    expect(tx.transmissions).toBeGreaterThanOrEqual(3);
    const st = b.requests[0]!;
    await until(() => st.retransmissions.length === tx.transmissions - 1, 'every retransmission at B');
    expect(b.requests).toHaveLength(1);
    expect(handled).toBe(1);
    // The response is lost, say: A's next retransmission gets the cached 200 again.
    const before = tx.responses.length;
    await a.send(b.endpoint, tx.request.raw);
    await until(() => tx.responses.length === before + 1, 'the re-sent 200');
    expect(tx.responses.map(statusOf).every((s) => s === 200)).toBe(true);
    expect(handled).toBe(1);
    const resent = trace.entries.filter((e) => e.node === 'B' && e.direction === 'out' && e.retransmission);
    expect(resent.length).toBe(tx.responses.length - 1);
    expect(Buffer.from(resent[resent.length - 1]!.bytes)).toEqual(Buffer.from(st.responsesSent[0]!));
    expect(st.responsesSent).toHaveLength(1);
  });

  it('times out with an error naming method, Request-URI, destination, Call-ID and the wait', async () => {
    b.setDefaultReply('silence');
    const tx = a.sendRequest(b.endpoint, nodeRegister(a.endpoint, b.endpoint, { callId: 'lost@a' }), { timeoutMs: 150 });
    await expect(tx.final).rejects.toThrow(TransactionTimeoutError);
    await expect(tx.final).rejects.toThrow(
      new RegExp(`^no final response to REGISTER sip:127\\.0\\.0\\.3:${b.port} to 127\\.0\\.0\\.3:${b.port} over UDP \\(Call-ID lost@a\\) within 150 ms \\(sent \\d+ time\\(s\\), got no response\\)$`),
    );
    expect(b.requests).toHaveLength(1);
    expect(b.requests[0]!.retransmissions.length).toBeGreaterThan(0);
  });

  it('records a malformed reply as a parse error; the request then times out, naming it', async () => {
    b.onRequest((st) => {
      st.respond(Buffer.from(st.build(200).text().replace('SIP/2.0 200 OK', 'SIP/2.0 2000 OK')));
      return 'handled';
    });
    const tx = a.sendRequest(b.endpoint, nodeRegister(a.endpoint, b.endpoint), { timeoutMs: 120, retransmit: false });
    await expect(tx.final).rejects.toThrow(/got no response; malformed reply: bad-status-code at 1:9/);
    expect(a.malformed).toHaveLength(1);
    expect(tx.malformed).toEqual(a.malformed);
    expect(a.malformed[0]!.parsed.ok).toBe(false);
  });

  it('records a malformed reply and still resolves on the valid final after it', async () => {
    b.onRequest((st) => [Buffer.from('SIP/2.0 100 Trying\r\nVia: broken\n\r\n'), { status: 200 }]);
    const tx = a.sendRequest(b.endpoint, nodeRegister(a.endpoint, b.endpoint), { retransmit: false });
    expect(statusOf(await tx.final)).toBe(200);
    expect(a.malformed).toHaveLength(1);
    expect(tx.responses).toHaveLength(1);
  });

  it('waits for requests: one already arrived, one to come, and a timeout listing what came', async () => {
    b.setDefaultReply({ status: 200 });
    const notify = (cseq: number): MessageBuilder =>
      MessageBuilder.request('NOTIFY', `sip:${b.host}:${b.port}`)
        .header('Via', `SIP/2.0/UDP ${a.host}:${a.port};branch=z9hG4bKn${cseq}`)
        .header('Max-Forwards', 70)
        .header('To', '<sip:bob@x>')
        .header('From', '<sip:alice@x>;tag=9')
        .header('Call-ID', 'presence@a')
        .header('CSeq', `${cseq} NOTIFY`)
        .header('Event', 'presence');
    await a.request(b.endpoint, notify(1));
    const past = await b.waitForRequest('NOTIFY', 200); // arrived before the wait began
    expect(headerValue(past.request, 'cseq')).toBe('1 NOTIFY');
    const next = b.waitForRequest((st) => headerValue(st.request, 'cseq') === '2 NOTIFY', 500);
    await a.request(b.endpoint, notify(2));
    expect((await next).lastStatus).toBe(200);
    await expect(b.waitForRequest('MESSAGE', 50)).rejects.toThrow(
      `no request MESSAGE reached virtual node B within 50 ms (requests seen: NOTIFY from 127.0.0.2:${a.port}, NOTIFY from 127.0.0.2:${a.port})`,
    );
  });

  it('keeps one trace of both nodes in order, dumps it as text and writes a sane pcap', async () => {
    b.onRequest(() => [{ status: 100 }, { status: 200 }]);
    await a.request(b.endpoint, nodeRegister(a.endpoint, b.endpoint, { callId: 'traced@a' }), { retransmit: false });
    await until(() => trace.entries.length === 6, 'six trace entries');
    const flow = trace.entries.map((e) => `${e.node} ${e.direction} ${e.parsed.ok ? e.parsed.message.startLine.raw.split(' ')[e.parsed.message.startLine.kind === 'request' ? 0 : 1] : '?'}`);
    expect(flow).toEqual(['A out REGISTER', 'B in REGISTER', 'B out 100', 'B out 200', 'A in 100', 'A in 200']);
    const times = trace.entries.map((e) => e.timeNs);
    expect([...times].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0))).toEqual(times);
    expect([...groupByCallId(trace.entries, (e) => (e.parsed.ok ? e.parsed.message : undefined)).keys()]).toEqual(['traced@a']);
    const text = trace.toText();
    expect(text).toContain(`A out UDP 127.0.0.2:${a.port} -> 127.0.0.3:${b.port}`);
    expect(text).toContain(`A in UDP 127.0.0.3:${b.port} -> 127.0.0.2:${a.port}`);
    const dir = mkdtempSync(join(tmpdir(), 'vn-trace-'));
    try {
      const file = join(dir, 'trace.pcap');
      writeFileSync(file, trace.toPcap());
      const pcap = readFileSync(file);
      const payloads = trace.entries.reduce((n, e) => n + e.bytes.length, 0);
      expect(pcap.length).toBe(24 + trace.entries.length * (16 + 20 + 8) + payloads);
      let records = 0;
      for (let off = 24; off < pcap.length; off += 16 + pcap.readUInt32LE(off + 8)) records++;
      expect(records).toBe(6);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('files a response that matches no transaction as stray', async () => {
    const st = b.waitForRequest('REGISTER', 500);
    b.setDefaultReply('silence');
    const tx = a.sendRequest(b.endpoint, nodeRegister(a.endpoint, b.endpoint), { timeoutMs: 300 });
    const request = await st;
    await b.send(a.endpoint, request.build(200).set('Call-ID', 'someone-else'));
    await until(() => a.strayResponses.length === 1, 'the stray response');
    expect(tx.responses).toHaveLength(0);
    await expect(tx.final).rejects.toThrow(TransactionTimeoutError);
  });

  it('answers 500 when a handler throws, keeps the error, and never answers an ACK', async () => {
    const remove = b.onRequest(() => {
      throw new Error('script bug');
    });
    expect(statusOf(await a.request(b.endpoint, nodeRegister(a.endpoint, b.endpoint)))).toBe(500);
    expect(b.errors.map((e) => e.message)).toEqual(['script bug']);
    remove();
    expect(statusOf(await a.request(b.endpoint, nodeRegister(a.endpoint, b.endpoint)))).toBe(200); // the default again
    const ack = MessageBuilder.request('ACK', `sip:${b.host}:${b.port}`)
      .header('Via', `SIP/2.0/UDP ${a.host}:${a.port};branch=z9hG4bKack`)
      .header('Max-Forwards', 70)
      .header('To', '<sip:bob@x>;tag=2')
      .header('From', '<sip:alice@x>;tag=1')
      .header('Call-ID', 'ack@a')
      .header('CSeq', '1 ACK');
    await a.send(b.endpoint, ack);
    const seen = await b.waitForRequest('ACK', 500);
    await sleep(20);
    expect(seen.responded).toBe(false);
    expect(trace.entries.filter((e) => e.node === 'B' && e.direction === 'out')).toHaveLength(2);
  });

  it('close() rejects a pending transaction and a pending wait with "closed" errors', async () => {
    b.setDefaultReply('silence');
    const tx = a.sendRequest(b.endpoint, nodeRegister(a.endpoint, b.endpoint, { callId: 'pending@a' }), { timeoutMs: 5000 });
    const wait = a.waitForRequest('NOTIFY', 5000);
    await until(() => b.requests.length === 1, 'the request at B');
    await a.close();
    await expect(tx.final).rejects.toThrow(TransactionClosedError);
    await expect(tx.final).rejects.toThrow(`virtual node A closed while waiting for the final response to REGISTER sip:127.0.0.3:${b.port} to 127.0.0.3:${b.port} over UDP (Call-ID pending@a)`);
    await expect(wait).rejects.toThrow('virtual node A closed while waiting for a request');
    expect(() => a.sendRequest(b.endpoint, nodeRegister(a.endpoint, b.endpoint))).toThrow(/closed/);
    const sentBefore = trace.entries.length;
    await sleep(60); // no retransmission timer outlives close
    expect(trace.entries.filter((e) => e.node === 'A').length).toBe(trace.entries.slice(0, sentBefore).filter((e) => e.node === 'A').length);
  });
});

describe('VirtualNode.startMined', () => {
  it('binds a port whose node ID falls in the asked interval', async () => {
    const node = await VirtualNode.startMined({ host: '127.0.0.4' }, { lo: '8'.padEnd(40, '0'), hi: 'c'.padEnd(40, '0') }, { ports: { from: 31000, to: 32000 } });
    try {
      expect(node.nodeId >= '8'.padEnd(40, '0') && node.nodeId < 'c'.padEnd(40, '0')).toBe(true);
    } finally {
      await node.close();
    }
  });
});
