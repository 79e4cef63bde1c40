// Codec throughput on a typical SOSIMPLE REGISTER (join) and its 200 (P/S/F links).
import type { Benchmark } from './harness';
import { opsPerSecond } from './harness';
import { checkMessage, dhtLinkValue, dhtNodeIdValue, nodeRegister, nodeUri, parseMessage, responseTo, serializeMessage } from '../harness/sip';

const J = { host: '10.0.0.14', port: 5060 };
const R = { host: '10.0.0.3', port: 5060 };

function pair(): { register: Uint8Array; ok: Uint8Array } {
  const register = nodeRegister(J, R).build();
  const parsed = parseMessage(register);
  if (!parsed.ok) throw new Error('benchmark message does not parse');
  const ok = responseTo(parsed.message, 200, 'OK')
    .header('Contact', `<${nodeUri(J)}>`)
    .header('Expires', 600)
    .header('Require', 'dht')
    .header('Supported', 'dht')
    .header('DHT-NodeID', dhtNodeIdValue(R));
  ok.header('DHT-Link', dhtLinkValue('P', 1, { host: '10.0.0.10', port: 5060 }));
  for (let s = 1; s <= 4; s++) ok.header('DHT-Link', dhtLinkValue('S', s, { host: `10.0.1.${s}`, port: 5060 }));
  for (let f = 0; f < 4; f++) ok.header('DHT-Link', dhtLinkValue('F', f, { host: `10.0.2.${f}`, port: 5060 }));
  return { register, ok: ok.build() };
}

export const codecBenchmark: Benchmark = {
  title: 'Codec (harness/sip), one core',
  run() {
    const { register, ok } = pair();
    const reg = parseMessage(register);
    const res = parseMessage(ok);
    if (!reg.ok || !res.ok) throw new Error('benchmark messages do not parse');
    return [
      { name: `parse REGISTER (${register.length} B)`, value: opsPerSecond(() => parseMessage(register)), unit: 'msg/s' },
      { name: `parse 200 with 9 DHT-Link (${ok.length} B)`, value: opsPerSecond(() => parseMessage(ok)), unit: 'msg/s' },
      { name: 'serialize REGISTER', value: opsPerSecond(() => serializeMessage(reg.message)), unit: 'msg/s' },
      { name: 'serialize 200', value: opsPerSecond(() => serializeMessage(res.message)), unit: 'msg/s' },
      { name: 'check REGISTER (conformance checker)', value: opsPerSecond(() => checkMessage(reg.message)), unit: 'msg/s' },
      { name: 'check 200 (role join-ok)', value: opsPerSecond(() => checkMessage(res.message, { role: 'join-ok' })), unit: 'msg/s' },
    ];
  },
};
