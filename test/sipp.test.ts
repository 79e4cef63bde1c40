// A SIP stack we did not write talks to the reference node: Debian's sip-tester (SIPp) sends a
// user REGISTER and an INVITE lookup to a lone node (responsible for every key) and must get
// the catalogue's 200 (SOS-REG-2) and 302 with the Contact (SOS-LOOKUP-2).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProcessCluster } from '../harness/cluster/process-driver';
import type { RingNode } from '../harness/cluster/cluster';
import { nodeIdOf, resourceIdOf } from '../harness/overlay/id';
import { loadTarget } from '../harness/targets/target';

function findSipp(): string | undefined {
  try {
    return execFileSync('which', ['sipp'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

const SIPP = findSipp();
if (!SIPP) console.warn('skipping the SIPp test: sipp is not installed (DEBIAN_FRONTEND=noninteractive apt-get install -y sip-tester)');
const describeWithSipp = SIPP ? describe : describe.skip;

describeWithSipp('SOS-REG-2 SOS-LOOKUP-2 SIPp against a reference node', () => {
  let cluster: ProcessCluster;
  let node: RingNode;
  let dir: string;

  beforeAll(async () => {
    cluster = new ProcessCluster({ net: '127.0.7' });
    node = await cluster.start(loadTarget(join(__dirname, '..', 'targets', 'reference.yaml')));
    dir = mkdtempSync(join(tmpdir(), 'sosimple-sipp-'));
  }, 30_000);
  afterAll(async () => {
    await cluster?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('SOS-REG-2 gets 200 to a user REGISTER and SOS-LOOKUP-2 a 302 to the INVITE lookup', () => {
    const port = 27000 + (process.pid % 2000);
    const scenario = readFileSync(join(__dirname, 'sipp', 'register-invite.xml'), 'utf8')
      .replace(/__ID__/g, nodeIdOf('127.0.0.1', port))
      .replace(/__RID__/g, resourceIdOf('alice'))
      .replace(/__OVERLAY__/g, 'chat');
    const file = join(dir, 'scenario.xml');
    writeFileSync(file, scenario);
    const r = spawnSync(SIPP!, [`${node.host}:${node.port}`, '-sf', file, '-m', '1', '-i', '127.0.0.1', '-p', String(port), '-t', 'u1', '-timeout', '15s', '-timeout_error', '-nostdin', '-trace_err', '-error_file', join(dir, 'errors.log')], {
      encoding: 'utf8',
      cwd: dir,
      timeout: 30_000,
    });
    let errors = '';
    try {
      errors = readFileSync(join(dir, 'errors.log'), 'utf8');
    } catch {
      // no errors written
    }
    expect({ exit: r.status, errors: errors.slice(0, 2000) }).toEqual({ exit: 0, errors: '' });
  }, 40_000);
});
