import { judgeReceived, type TracedMessage } from '../check-roles';
import { parseMessage } from '../parse';
import { nodeQuery, nodeRegister, responseTo, userLookup } from '../craft';
import { MessageBuilder } from '../builder';
import { nodeIdOf } from '../../overlay/id';

const H = { host: '127.0.0.1', port: 40001 };
const N = { host: '127.0.0.2', port: 5060 };

function traced(direction: 'in' | 'out', b: MessageBuilder | Uint8Array, extra: Partial<TracedMessage> = {}): TracedMessage {
  const bytes = b instanceof MessageBuilder ? b.build() : b;
  return { direction, transport: 'udp', local: H, remote: N, parsed: parseMessage(bytes), ...extra };
}

function answer(request: MessageBuilder, status: number): { out: TracedMessage; in: TracedMessage } {
  const r = parseMessage(request.build());
  if (!r.ok) throw new Error(r.error.message);
  return { out: traced('out', request), in: traced('in', responseTo(r.message, status, 'X')) };
}

const isHarness = (a: { host: string }) => a.host === H.host;
const readings = (entries: TracedMessage[]) => judgeReceived(entries, isHarness).map((j) => j.context?.sipOnly ? 'sip-only' : j.context?.role ?? '-');

describe('judgeReceived', () => {
  it('reads answers by the request the harness sent and the status', () => {
    const join = answer(nodeRegister(H, N), 200);
    const again = answer(nodeRegister(H, N), 200);
    const leave = answer(nodeRegister(H, N, { expires: 0 }), 200);
    const rejoin = answer(nodeRegister(H, N), 200);
    const query = answer(nodeQuery(H, N, nodeIdOf('10.0.0.1')), 302);
    const miss = answer(nodeQuery(H, N, nodeIdOf('10.0.0.1')), 404);
    const lookup = answer(userLookup('INVITE', 'alice', H, N), 302);
    const refused = answer(nodeRegister(H, N).remove('Require'), 421);
    const broken = answer(nodeQuery(H, N, nodeIdOf('10.0.0.1')).set('Max-Forwards', 'seventy'), 400);
    const entries = [join, again, leave, rejoin, query, miss, lookup, refused, broken].flatMap((x) => [x.out, x.in]);
    expect(readings(entries)).toEqual(['join-ok', 'neighbour-ok', 'answer', 'join-ok', 'redirect', 'query-ok', 'lookup-contacts', 'sip-only', 'sip-only']);
  });

  it('reads requests from nodes by SOS-WIRE-13, and the last hop to a Contact the harness gave as direct', () => {
    const subscribe = userLookup('SUBSCRIBE', 'alice', H, N);
    const notify = MessageBuilder.request('NOTIFY', `sip:harness@${H.host}:${H.port}`)
      .header('Via', 'SIP/2.0/UDP 127.0.0.2;branch=z9hG4bK1').header('Max-Forwards', 70)
      .header('To', '<sip:harness@p2psip.org>;tag=a').header('From', '<sip:alice@p2psip.org>;tag=b')
      .header('Call-ID', 'c1').header('CSeq', '1 NOTIFY').header('Supported', 'dht');
    const entries = [
      traced('in', nodeQuery(N, H, nodeIdOf(H.host, H.port))),
      traced('in', nodeRegister(N, H)),
      traced('out', subscribe),
      traced('in', notify),
      traced('in', nodeRegister(N, H), { retransmission: true }),
      traced('in', nodeRegister(H, N), { remote: H }),
    ];
    const judged = judgeReceived(entries, isHarness);
    expect(judged.map((j) => j.context?.role)).toEqual(['node-query', 'join', 'direct']);
    expect(judged[0]!.context).toMatchObject({ source: N, destination: H, knownNodes: [H] });
  });

  it('keeps bytes that do not parse, and skips keep-alives', () => {
    const judged = judgeReceived([traced('in', Buffer.from('garbage\r\n\r\n')), traced('in', Buffer.from('\r\n\r\n'))], isHarness);
    expect(judged.map((j) => j.reading)).toEqual(['bytes that do not parse']);
  });
});
