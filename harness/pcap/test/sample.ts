// A small trace used by several tests: REGISTER → 302 over UDP, MESSAGE → 200 and a REGISTER over TCP.
import { CapturePacket } from '../writer';
import { enc, sip } from './build';

export const A = { ip: '10.1.0.2', port: 5070 };
export const B = { ip: '10.1.0.3', port: 25160 };
export const T0 = 1_764_072_000_000; // ms

/** A REGISTER → 302 exchange and a MESSAGE → 200, over UDP and TCP, in one trace. */
export function sampleTrace(): CapturePacket[] {
  const reg = sip({ callId: 'reg-1', branch: 'z9hG4bK-r1' });
  const moved = sip({ start: 'SIP/2.0 302 Moved Temporarily', callId: 'reg-1', branch: 'z9hG4bK-r1', extra: ['Contact: <sip:c@10.1.0.9>'] });
  const message = sip({ start: 'MESSAGE sip:b@example.org SIP/2.0', callId: 'msg-1', cseq: '5 MESSAGE', branch: 'z9hG4bK-m1', body: 'x'.repeat(3000) });
  const ok = sip({ start: 'SIP/2.0 200 OK', callId: 'msg-1', cseq: '5 MESSAGE', branch: 'z9hG4bK-m1' });
  return [
    { timeMs: T0, src: A, dst: B, transport: 'udp', payload: enc(reg) },
    { timeMs: T0 + 1.5, src: B, dst: A, transport: 'udp', payload: enc(moved) },
    { timeMs: T0 + 2, src: A, dst: B, transport: 'tcp', payload: enc(message + reg) },
    { timeMs: T0 + 3, src: B, dst: A, transport: 'tcp', payload: enc(ok) },
  ];
}
