// Real traffic, captured by tcpdump on a Docker bridge: two reference nodes joining (UDP between
// containers), the harness's readiness probes, and an OPTIONS from the host over UDP and TCP.
// Our extraction must equal tshark's on the pcap tcpdump wrote and on editcap's pcapng of it.
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DockerCluster } from '../cluster/docker-driver';
import { docker, sweep } from '../cluster/docker-env';
import type { RingNode } from '../cluster/cluster';
import { loadTarget } from '../targets/target';
import { findTshark, parseSipFieldOutput, runTshark, sipFieldArgs } from '../tools/tshark';
import { extractSipFromFile } from './extract';

const IMAGE = 'sosimple-reference:latest';
const has = (cmd: string): boolean => {
  try {
    execFileSync('which', [cmd], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};
const imagePresent = (): boolean => {
  try {
    execFileSync('docker', ['image', 'inspect', IMAGE], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};
const missing = [!has('tcpdump') && 'tcpdump', !findTshark() && 'tshark', !has('editcap') && 'editcap', !imagePresent() && `the image ${IMAGE}`].filter(Boolean);
if (missing.length > 0) console.log(`capture test skipped: ${missing.join(', ')} not available`);
const describeCapture = missing.length === 0 ? describe : describe.skip;

function options(callId: string, transport: 'UDP' | 'TCP', from: string): string {
  return [
    'OPTIONS sip:probe@example.org SIP/2.0',
    `Via: SIP/2.0/${transport} ${from};branch=z9hG4bK-${callId}`,
    'From: <sip:pcap-test@example.org>;tag=1',
    'To: <sip:probe@example.org>',
    `Call-ID: ${callId}`,
    'CSeq: 1 OPTIONS',
    'Max-Forwards: 70',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

describeCapture('tcpdump on a Docker bridge, read by us and by tshark', () => {
  const runId = `pcap-${process.pid}-${Date.now().toString(36)}`;
  let cluster: DockerCluster | undefined;
  let tcpdump: ChildProcess | undefined;
  let dir: string;
  let file: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pcap-docker-'));
    file = join(dir, 'bridge.pcap');
    cluster = await DockerCluster.create({ runId });
    const network = await docker().getNetwork(cluster.networkName).inspect();
    const iface = `br-${String(network.Id).slice(0, 12)}`;
    // -U: write each packet at once, so stopping tcpdump loses nothing; -Z root: keep the
    // right to write into our private temporary directory.
    tcpdump = spawn('tcpdump', ['-i', iface, '-n', '-U', '-s', '0', '-Z', 'root', '-w', file], { stdio: ['ignore', 'ignore', 'pipe'] });
    await new Promise<void>((resolve, reject) => {
      let said = '';
      tcpdump!.stderr!.on('data', (d: Buffer) => {
        said += d.toString();
        if (said.includes('listening on')) resolve();
      });
      tcpdump!.once('exit', (code) => reject(new Error(`tcpdump exited with ${code}: ${said}`)));
    });

    const target = loadTarget(join(__dirname, '..', '..', 'targets', 'reference.yaml'));
    const first: RingNode = await cluster.start(target);
    await cluster.start(target, { bootstrap: { host: first.host, port: first.port } });

    const udp = createSocket('udp4');
    await new Promise<void>((resolve) => udp.bind(0, cluster!.harnessAddress, () => resolve()));
    const udpPort = udp.address().port;
    await new Promise<void>((resolve, reject) =>
      udp.send(options('pcap-udp', 'UDP', `${cluster!.harnessAddress}:${udpPort}`), first.port, first.host, (e) => (e ? reject(e) : resolve())),
    );
    const socket = connect({ host: first.host, port: first.port, localAddress: cluster.harnessAddress });
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    socket.write(options('pcap-tcp', 'TCP', `${cluster.harnessAddress}:${socket.localPort}`));
    await new Promise((r) => setTimeout(r, 1500)); // replies and a stabilize round or two
    socket.destroy();
    udp.close();
    await new Promise<void>((resolve) => {
      tcpdump!.once('exit', () => resolve());
      tcpdump!.kill('SIGINT');
    });
    tcpdump = undefined;
    execFileSync('editcap', ['-F', 'pcapng', file, `${file}ng`], { stdio: 'ignore' });
  }, 120_000);

  afterAll(async () => {
    tcpdump?.kill('SIGINT');
    await cluster?.close();
    await sweep(runId);
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it.each(['pcap', 'pcapng'])('%s: the same SIP messages as tshark, the host OPTIONS among them', async (format) => {
    const path = format === 'pcap' ? file : `${file}ng`;
    const x = extractSipFromFile(path);
    // A datagram sent to a node that is not listening yet comes back quoted in an ICMP error,
    // and tshark dissects the quote as SIP. It is not a message anyone sent: leave it out
    // (our extractor counts the ICMP packet as non-UDP/TCP).
    const args = sipFieldArgs(path);
    args[args.indexOf('-Y') + 1] = 'sip && !icmp && !icmpv6';
    const theirs = parseSipFieldOutput((await runTshark(args)).stdout);
    // Per message, in order: transport, method or status, Call-ID, time of the completing packet.
    const ours = x.messages.map((m) => {
      const what = !m.result.ok ? `error ${m.result.error.code}` : m.result.message.startLine.kind === 'request' ? m.result.message.startLine.method : String(m.result.message.startLine.status);
      return [m.transport, what, m.callId, m.timeNs.toString()];
    });
    const expected = theirs.map((r) => [r.transport, r.kind === 'request' ? r.method : String(r.statusCode), r.callId, r.timeNs.toString()]);
    expect(ours).toEqual(expected);
    expect(x.summary.sipMessages).toBeGreaterThanOrEqual(4);
    expect(x.messages.map((m) => [m.callId, m.transport])).toEqual(expect.arrayContaining([['pcap-udp', 'udp'], ['pcap-tcp', 'tcp']]));
    expect(x.summary.skipped.snaplenCut).toBe(0);
  });
});
