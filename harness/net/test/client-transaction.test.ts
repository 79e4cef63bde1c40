import { nodeRegister, responseTo } from '../../sip/craft';
import { MessageBuilder } from '../../sip/builder';
import { parseMessage } from '../../sip/parse';
import type { SipMessage } from '../../sip/types';
import { ClientTransaction, TransactionTimeoutError, type Timers } from '../client-transaction';
import type { TraceEntry } from '../trace';

const A = { host: '127.0.0.2', port: 20001 };
const B = { host: '127.0.0.3', port: 20002 };

/** Timers on a virtual clock: advance(ms) runs what falls due, in order. */
class FakeTimers implements Timers {
  now = 0;
  private queue: { at: number; fn: () => void; id: number }[] = [];
  private next = 0;
  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.next;
    this.queue.push({ at: this.now + ms, fn, id });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.queue = this.queue.filter((t) => t.id !== handle);
  }
  advance(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      this.queue.sort((a, b) => a.at - b.at || a.id - b.id);
      const t = this.queue[0];
      if (!t || t.at > end) break;
      this.queue.shift();
      this.now = t.at;
      t.fn();
    }
    this.now = end;
  }
}

function parse(bytes: Uint8Array): SipMessage {
  const r = parseMessage(bytes);
  if (!r.ok) throw new Error(r.error.message);
  return r.message;
}

function setUp(method: 'REGISTER' | 'INVITE', timeoutMs = 32000) {
  const timers = new FakeTimers();
  const builder = method === 'REGISTER' ? nodeRegister(A, B, { callId: 'ct@x' }) : nodeRegister(A, B, { callId: 'ct@x' }).startLine('INVITE sip:bob@127.0.0.3 SIP/2.0').set('CSeq', '1 INVITE');
  const request = parse(builder.build());
  const sentAt: number[] = [];
  const tx = new ClientTransaction({
    request,
    destination: B,
    transport: 'udp',
    timeoutMs,
    retransmit: { t1Ms: 500, t2Ms: 4000 },
    timers,
    transmit: () => sentAt.push(timers.now),
  });
  const reply = (status: number): void => tx.receive({ message: parse(responseTo(request, status, 'X').build()), entry: {} as TraceEntry });
  return { timers, tx, sentAt, reply };
}

describe('ClientTransaction retransmission (RFC 3261 §17.1)', () => {
  it('non-INVITE: timer E doubles from T1 and caps at T2', () => {
    const { timers, tx, sentAt } = setUp('REGISTER');
    tx.start();
    timers.advance(20000);
    expect(sentAt).toEqual([0, 500, 1500, 3500, 7500, 11500, 15500, 19500]);
  });

  it('non-INVITE: after a provisional it goes on every T2, and stops on the final', async () => {
    const { timers, tx, sentAt, reply } = setUp('REGISTER');
    tx.start();
    timers.advance(600);
    reply(100);
    expect(tx.state).toBe('proceeding');
    timers.advance(10000); // the running timer fires at 1500, then every T2
    expect(sentAt).toEqual([0, 500, 1500, 5500, 9500]);
    reply(200);
    timers.advance(20000);
    expect(sentAt).toHaveLength(5);
    const final = await tx.final;
    expect(final.message.startLine.kind === 'response' && final.message.startLine.status).toBe(200);
    expect(tx.responses).toHaveLength(2);
    expect(tx.provisional).toHaveLength(1);
    expect(tx.transmissions).toBe(5);
  });

  it('INVITE: timer A doubles without cap and stops on a provisional', () => {
    const { timers, tx, sentAt, reply } = setUp('INVITE', 64000);
    tx.start();
    timers.advance(20000);
    expect(sentAt).toEqual([0, 500, 1500, 3500, 7500, 15500]);
    reply(180);
    timers.advance(40000);
    expect(sentAt).toHaveLength(6);
  });

  it('times out with an error naming the request, the destination, the Call-ID and the wait', async () => {
    const { timers, tx, reply } = setUp('REGISTER', 2000);
    tx.start();
    reply(100);
    timers.advance(2000);
    await expect(tx.final).rejects.toThrow(TransactionTimeoutError);
    await expect(tx.final).rejects.toThrow(
      'no final response to REGISTER sip:127.0.0.3:20002 to 127.0.0.3:20002 over UDP (Call-ID ct@x) within 2000 ms (sent 2 time(s), got only 100)',
    );
  });

  it('sends once when retransmission is off', () => {
    const timers = new FakeTimers();
    let sent = 0;
    const request = parse(MessageBuilder.request('OPTIONS', 'sip:x').header('Via', 'SIP/2.0/UDP h;branch=z9hG4bKo').header('Call-ID', 'o').header('CSeq', '1 OPTIONS').build());
    const tx = new ClientTransaction({ request, destination: B, transport: 'udp', timeoutMs: 5000, retransmit: false, timers, transmit: () => sent++ });
    tx.start();
    timers.advance(4999);
    expect(sent).toBe(1);
    expect(tx.settled).toBe(false);
    timers.advance(1);
    expect(tx.state).toBe('failed');
  });
});
