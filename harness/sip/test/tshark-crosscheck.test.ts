// Cross-check with a SIP parser we did not write: our valid messages go into a pcap (one UDP
// datagram each), Wireshark's SIP dissector (tshark) reads it, and both must agree on the
// method or status, the Call-ID and the number of header fields of every message.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writePcap, type CapturePacket } from '../../pcap/writer';
import { findTshark, readSipMessages, TSHARK_INSTALL_HINT } from '../../tools/tshark';
import { loadTortureFixtures } from '../torture';
import { parseMessage } from '../parse';
import { headerValue } from '../headers';
import { nodeQuery, nodeRegister, userRegister } from '../craft';
import type { SipMessage } from '../types';

const TSHARK = findTshark();
if (!TSHARK) console.warn(`skipping the tshark cross-check: tshark is not installed; ${TSHARK_INSTALL_HINT}`);
const describeWithTshark = TSHARK ? describe : describe.skip;

function samples(): { name: string; bytes: Uint8Array; message: SipMessage }[] {
  const fixtures = loadTortureFixtures(join(__dirname, '..', '..', '..', 'fixtures', 'torture'))
    .filter((f) => f.verdict === 'valid' && f.transport === 'udp')
    .map((f) => ({ name: f.name, bytes: f.bytes }));
  const a = { host: '10.0.0.14', port: 5060 };
  const b = { host: '10.0.0.5', port: 5062 };
  const crafted = [
    { name: 'crafted join', bytes: nodeRegister(a, b).build() },
    { name: 'crafted node query', bytes: nodeQuery(a, b, 'f'.repeat(40)).build() },
    { name: 'crafted user register', bytes: userRegister('alice', { host: '10.99.99.99', port: 5060 }, a, b).build() },
  ];
  return [...fixtures, ...crafted].map((s) => {
    const r = parseMessage(s.bytes);
    if (!r.ok) throw new Error(`${s.name} does not parse: ${r.error.message}`);
    return { ...s, message: r.message };
  });
}

describeWithTshark('codec against tshark', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sosimple-tshark-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('sees the same method/status, Call-ID and header count as our parser', async () => {
    const all = samples();
    expect(all.length).toBeGreaterThanOrEqual(20);
    const packets: CapturePacket[] = all.map((s, i) => ({
      timeMs: 1_700_000_000_000 + i,
      src: { ip: '10.0.0.14', port: 5060 },
      dst: { ip: '10.0.0.5', port: 5062 },
      transport: 'udp',
      payload: s.bytes,
    }));
    const file = join(dir, 'codec.pcap');
    writeFileSync(file, writePcap(packets));
    const rows = await readSipMessages(file, { ports: [5060, 5062] });
    const ours = all.map((s) => ({
      name: s.name,
      start: s.message.startLine.kind === 'request' ? s.message.startLine.method : String(s.message.startLine.status),
      callId: headerValue(s.message, 'call-id'),
      headers: s.message.headers.length,
    }));
    const theirs = rows.map((r, i) => ({
      name: all[i]?.name,
      start: r.kind === 'request' ? r.method : String(r.statusCode),
      // Wireshark's dissector leaves sip.Call-ID empty when whitespace precedes the colon
      // ("Call-ID   :   x", legal HCOLON); then read the value from its own header lines.
      callId: r.callId ?? r.headers.find((h) => /^(call-id|i)$/i.test(h.name.trim()))?.value,
      headers: r.headers.length,
    }));
    expect(theirs).toEqual(ours);
  });
});
