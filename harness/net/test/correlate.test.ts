import { MessageBuilder } from '../../sip/builder';
import { nodeRegister, responseTo } from '../../sip/craft';
import { parseMessage } from '../../sip/parse';
import type { SipMessage } from '../../sip/types';
import { callIdOf, clientMatchKey, groupByCallId, topViaBranch, transactionKey } from '../correlate';

const A = { host: '127.0.0.2', port: 20001 };
const B = { host: '127.0.0.3', port: 20002 };

function parse(b: MessageBuilder): SipMessage {
  const r = parseMessage(b.build());
  if (!r.ok) throw new Error(r.error.message);
  return r.message;
}

function request(method: string, branch: string, callId: string, cseq: number, cseqMethod = method): SipMessage {
  return parse(
    MessageBuilder.request(method, 'sip:127.0.0.3:20002')
      .header('Via', `SIP/2.0/UDP 127.0.0.2:20001;rport;branch=${branch}`)
      .header('Via', 'SIP/2.0/UDP 10.0.0.9;branch=z9hG4bKlower')
      .header('To', '<sip:b@x>')
      .header('From', '<sip:a@x>;tag=1')
      .header('Call-ID', callId)
      .header('CSeq', `${cseq} ${cseqMethod}`)
      .header('Max-Forwards', 70),
  );
}

describe('transactionKey', () => {
  it('is the top Via branch and the CSeq method, the lower Vias ignored', () => {
    expect(transactionKey(request('REGISTER', 'z9hG4bKaaa', 'c1', 1))).toBe('z9hG4bKaaa REGISTER');
    expect(topViaBranch(request('REGISTER', 'z9hG4bKaaa', 'c1', 1))).toBe('z9hG4bKaaa');
  });

  it('keys an ACK with the INVITE it acknowledges, and a CANCEL apart from it', () => {
    const invite = request('INVITE', 'z9hG4bKinv', 'c1', 7);
    expect(transactionKey(request('ACK', 'z9hG4bKinv', 'c1', 7))).toBe(transactionKey(invite));
    expect(transactionKey(request('CANCEL', 'z9hG4bKinv', 'c1', 7))).not.toBe(transactionKey(invite));
  });

  it('matches a response to its request, and is undefined without a branch', () => {
    const reg = parse(nodeRegister(A, B, { branch: 'z9hG4bKreg', callId: 'cid@x' }));
    const ok = parse(responseTo(reg, 302, 'Moved Temporarily'));
    expect(transactionKey(ok)).toBe(transactionKey(reg));
    const noBranch = parse(MessageBuilder.request('OPTIONS', 'sip:x').header('Via', 'SIP/2.0/UDP h').header('CSeq', '1 OPTIONS'));
    expect(transactionKey(noBranch)).toBeUndefined();
  });
});

describe('clientMatchKey', () => {
  it('differs when the Call-ID or the CSeq number differs, though the branch is the same', () => {
    const base = clientMatchKey(request('REGISTER', 'z9hG4bKb', 'c1', 1));
    expect(base).toBe('z9hG4bKb c1 1 REGISTER');
    expect(clientMatchKey(request('REGISTER', 'z9hG4bKb', 'c2', 1))).not.toBe(base);
    expect(clientMatchKey(request('REGISTER', 'z9hG4bKb', 'c1', 2))).not.toBe(base);
  });
});

describe('groupByCallId', () => {
  it('groups in order of first appearance, keeping order inside a group', () => {
    const items = [
      { n: 1, m: request('REGISTER', 'z9hG4bK1', 'one', 1) },
      { n: 2, m: request('REGISTER', 'z9hG4bK2', 'two', 1) },
      { n: 3, m: request('REGISTER', 'z9hG4bK3', 'one', 2) },
      { n: 4, m: undefined },
    ];
    const groups = groupByCallId(items, (i) => i.m);
    expect([...groups.keys()]).toEqual(['one', 'two', '']);
    expect(groups.get('one')!.map((i) => i.n)).toEqual([1, 3]);
    expect(groups.get('')!.map((i) => i.n)).toEqual([4]);
    expect(callIdOf(items[1]!.m!)).toBe('two');
  });
});
