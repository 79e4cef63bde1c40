import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { main, EXIT_OK, EXIT_USAGE, knownSuites } from '../harness/cli';
import { suiteEnv } from '../harness/commands/run';
import { describeRingStartFailure, ringStartFailure, summarise, type JestResults } from '../harness/commands/jest-results';
import { loadTarget } from '../harness/targets/target';
import { readNeighbours } from '../harness/cluster/observe';
import { VirtualNode } from '../harness/net/virtual-node';
import { nodeIdOf } from '../harness/overlay/id';
import { RingOracle } from '../harness/overlay/oracle';
import { byRingOrder, formatTable, mismatches, type NodeRow } from '../harness/commands/ring-table';

const ROOT = resolve(__dirname, '..');
// Plain JavaScript, loaded by Jest's reporter machinery with require().
// eslint-disable-next-line @typescript-eslint/no-require-imports
const progress = require('../harness/commands/progress-reporter.js') as { checkLine: (r: { title: string; status: string; duration?: number }) => string };

// The missing-image check needs an engine to ask; asked once, synchronously, so the test can say it is skipped.
const engineUp =
  spawnSync(process.execPath, ['-e', "new (require('dockerode'))().ping().then(() => process.exit(0), () => process.exit(1))"], { cwd: ROOT, timeout: 8000 }).status === 0;

const made: string[] = [];
function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}
afterAll(() => made.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** A target file in a folder of its own. */
function targetFile(yaml: string): string {
  const dir = tempDir('sosimple-cli-target-');
  fs.writeFileSync(join(dir, 'target.yaml'), yaml);
  return join(dir, 'target.yaml');
}

describe('command line', () => {
  let err: jest.SpyInstance;
  let stdout: string[];
  let stderr: string[];
  beforeEach(() => {
    err = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    jest.spyOn(console, 'log').mockImplementation(() => undefined);
    stdout = [];
    stderr = [];
    jest.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => (stdout.push(String(s)), true));
    jest.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => (stderr.push(String(s)), true));
  });
  afterEach(() => jest.restoreAllMocks());

  it('names a missing target file in one line and exits 2, also the second of several', async () => {
    expect(await main(['run', '--target', 'no/such/target.yaml'])).toBe(EXIT_USAGE);
    expect(err).toHaveBeenCalledWith('sosimple-conformance: target file not found: no/such/target.yaml');
    expect(await main(['run', '--target', 'targets/reference.yaml', '--target', 'no/such/other.yaml'])).toBe(EXIT_USAGE);
    expect(err).toHaveBeenLastCalledWith('sosimple-conformance: target file not found: no/such/other.yaml');
  });

  it('names an invalid target file by path, line and field, exit 2', async () => {
    const file = targetFile('name: Bad Name\nimage: x:y\n');
    expect(await main(['run', '--target', file])).toBe(EXIT_USAGE);
    expect(err).toHaveBeenCalledWith(`sosimple-conformance: ${file}:1: name: 'Bad Name' must be lower case letters, digits, '.', '_' or '-'`);
  });

  it('names an unknown suite and lists the known ones, exit 2', async () => {
    expect(await main(['run', '--suites', 'join,nosuch'])).toBe(EXIT_USAGE);
    expect(err).toHaveBeenCalledWith(`sosimple-conformance: unknown suite(s): nosuch; known: ${knownSuites().join(', ')}`);
  });

  it('refuses a ring size outside 2..64 and a seed that is not an integer, exit 2', async () => {
    for (const size of ['1', '65', 'four']) expect(await main(['run', '--size', size])).toBe(EXIT_USAGE);
    expect(await main(['run', '--seed', '1.5'])).toBe(EXIT_USAGE);
    expect(stderr.join('')).toMatch(/option '-n, --size <n>' argument '1' is invalid\. a ring has 2 to 64 nodes/);
  });

  it('says so in one line when the Docker engine does not answer, exit 2', async () => {
    const saved = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = 'unix:///nonexistent/docker.sock';
    try {
      jest.resetModules();
      const cli = await import('../harness/cli');
      expect(await cli.main(['run', '--driver', 'docker'])).toBe(EXIT_USAGE);
      expect(err.mock.calls.flat().join('\n')).toMatch(/^sosimple-conformance: no Docker engine answers at unix:\/\/\/nonexistent\/docker.sock/);
      expect(err).toHaveBeenCalledTimes(1);
    } finally {
      if (saved === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = saved;
    }
  });

  (engineUp ? it : it.skip)('names a missing image before any suite starts, with how to build it, exit 2 (needs a Docker engine)', async () => {
    const file = targetFile('name: absent-image\nimage: sosimple-no-such-image:absent\nbuild:\n  context: .\n');
    const started = Date.now();
    expect(await main(['run', '--driver', 'docker', '--target', file, '--suites', 'errors'])).toBe(EXIT_USAGE);
    expect(err).toHaveBeenCalledTimes(1);
    expect(err.mock.calls[0]![0]).toMatch(
      /^sosimple-conformance: image sosimple-no-such-image:absent of target absent-image \(.*target\.yaml\) is not on this Docker engine, and nothing is pulled; build it with: docker build -t sosimple-no-such-image:absent -f \S+Dockerfile \S+$/,
    );
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('rejects an unknown command and an unknown driver with exit 2', async () => {
    expect(await main(['frobnicate'])).toBe(EXIT_USAGE);
    expect(await main(['run', '--driver', 'kubernetes'])).toBe(EXIT_USAGE);
    expect(err).toHaveBeenCalledWith('sosimple-conformance: --driver must be auto, docker or process, not "kubernetes"');
  });

  it('passes every target, the ring size, the seed and the artifacts folder to the suites', () => {
    const reference = loadTarget(join(ROOT, 'targets', 'reference.yaml'));
    const other = loadTarget(join(ROOT, 'targets', 'example-third-party.yaml'));
    const env = suiteEnv({ PATH: '/bin', SOSIMPLE_FAULTS: 'no-420' }, { targets: [reference, other], driver: 'process', artifacts: '/tmp/out/artifacts', quiet: false, size: 5, seed: 42 });
    expect(env).toEqual({
      PATH: '/bin',
      SOSIMPLE_TARGET: join(ROOT, 'targets', 'reference.yaml'),
      SOSIMPLE_TARGETS: `${join(ROOT, 'targets', 'reference.yaml')},${join(ROOT, 'targets', 'example-third-party.yaml')}`,
      SOSIMPLE_DRIVER: 'process',
      SOSIMPLE_FAULTS: '',
      ARTIFACTS_DIR: '/tmp/out/artifacts',
      SOSIMPLE_PROGRESS: 'normal',
      SOSIMPLE_RING_SIZE: '5',
      SOSIMPLE_SEED: '42',
    });
  });

  it('targets validate says what each file runs, and names an invalid one by line (exit 2)', async () => {
    const bad = targetFile('name: bad\nimage: x:y\nport: 70000\n');
    expect(await main(['targets', 'validate', 'targets/reference.yaml'])).toBe(EXIT_OK);
    expect(stdout.join('')).toMatch(/^targets\/reference\.yaml: ok \(reference, image sosimple-reference:latest (present|absent|not checked: no Docker engine answers), command node dist\/nodes\/reference\/main\.js\)\n$/);
    stdout.length = 0;
    expect(await main(['targets', 'validate', 'targets/reference.yaml', bad])).toBe(EXIT_USAGE);
    expect(stdout[1]).toMatch(new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3: port: `));
  });

  it('report names missing results in one line, exit 2', async () => {
    expect(await main(['report', '--results', '/nonexistent/results.json'])).toBe(EXIT_USAGE);
    expect(err).toHaveBeenCalledWith(expect.stringMatching(/^sosimple-conformance: results not found: \/nonexistent\/results\.json/));
  });

  it('pcap ls lists the SIP messages of a capture as JSON, and names a broken capture in one line', async () => {
    const dir = tempDir('sosimple-cli-pcap-');
    const { writePcap } = await import('../harness/pcap/writer');
    const { nodeRegister } = await import('../harness/sip/craft');
    const a = { host: '10.0.0.14', port: 5060 };
    const b = { host: '10.0.0.5', port: 5060 };
    const payload = nodeRegister(a, b, { callId: 'cli-test@10.0.0.14' }).build();
    fs.writeFileSync(`${dir}/one.pcap`, writePcap([{ timeMs: 1_700_000_000_000, src: { ip: a.host, port: a.port }, dst: { ip: b.host, port: b.port }, transport: 'udp', payload }]));
    const out = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    expect(await main(['pcap', 'ls', '--json', `${dir}/one.pcap`])).toBe(EXIT_OK);
    expect(JSON.parse(String(out.mock.calls[0]![0]))).toEqual([expect.objectContaining({ src: '10.0.0.14:5060', dst: '10.0.0.5:5060', transport: 'udp', startLine: 'REGISTER sip:10.0.0.5 SIP/2.0', callId: 'cli-test@10.0.0.14', cseq: '1 REGISTER' })]);
    fs.writeFileSync(`${dir}/bad.pcap`, 'not a capture at all');
    expect(await main(['pcap', 'ls', `${dir}/bad.pcap`])).toBe(EXIT_USAGE);
    expect(err).toHaveBeenCalledWith(expect.stringMatching(/^sosimple-conformance: .*bad\.pcap: not a pcap or pcapng file/));
  });

  it('turns a node that never answers readiness into one line naming it, exit 2', async () => {
    // The node's command runs but never speaks SIP: readiness (SOS-LOOKUP-5 query) times out.
    const file = targetFile('name: sleeper\nimage: sosimple-sleeper:absent\ncommand: [sleep, "600"]\n');
    const out = tempDir('sosimple-cli-unreachable-');
    expect(await main(['run', '--driver', 'process', '--suites', 'errors', '--target', file, '--out', out, '--quiet'])).toBe(EXIT_USAGE);
    const lines = stderr.join('').trim().split('\n');
    expect(lines[lines.length - 1]).toMatch(/^sosimple-conformance: node sleeper-1 at 127\.\d+\.\d+\.\d+:5060 did not answer a node query for its own ID within \d+ ms/);
    expect(fs.existsSync(join(out, 'jest-results.json'))).toBe(true);
  }, 120_000);

  it('runs a suite against the reference node with the process driver: progress on stderr, summary line on stdout, exit 0', async () => {
    const out = tempDir('sosimple-cli-');
    expect(await main(['run', '--driver', 'process', '--suites', 'errors', '--out', out])).toBe(EXIT_OK);
    const progressLines = stderr.join('');
    expect(progressLines).toMatch(/^▸ suites\/errors\.test\.ts$/m);
    expect(progressLines).toMatch(/^ {2}✓ SOS-ERR-1 /m);
    expect(progressLines).toMatch(/^■ suites\/errors\.test\.ts: \d+ passed, 0 failed, 0 not applicable/m);
    expect(stdout.join('')).toMatch(/^conformance: [1-9]\d* passed, 0 failed, 0 not applicable; report: /);
    const results = JSON.parse(fs.readFileSync(`${out}/jest-results.json`, 'utf8'));
    expect(results.numPassedTests).toBeGreaterThan(0);
    expect(results.numFailedTests).toBe(0);
  }, 120_000);

  it('--json --quiet: the summary as JSON alone on stdout, only the summary line and errors on stderr', async () => {
    const out = tempDir('sosimple-cli-json-');
    expect(await main(['run', '--driver', 'process', '--suites', 'errors', '--out', out, '--json', '--quiet', '--seed', '7'])).toBe(EXIT_OK);
    const json = JSON.parse(stdout.join(''));
    expect(json).toMatchObject({ exitCode: 0, failed: 0, notApplicable: 0, driver: 'process', suites: ['errors'], seed: 7, targets: [{ name: 'reference', path: join(ROOT, 'targets', 'reference.yaml') }] });
    expect(json.passed).toBe(json.checks.length);
    expect(json.checks[0]).toMatchObject({ file: 'suites/errors.test.ts', requirement: 'SOS-ERR-1', status: 'passed' });
    for (const line of stderr.join('').trim().split('\n')) expect(line).toMatch(/^conformance: \d+ passed|^reports: not written \(/);
  }, 120_000);
});

describe('ring up with the process driver', () => {
  it('runs in the foreground with a stable ring until SIGINT, then stops its nodes and exits 0', async () => {
    // A loopback /24 of its own, so this ring meets no other test's nodes.
    const net = `127.${200 + (process.pid % 50)}.${(process.pid >> 6) % 256}`;
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', join(ROOT, 'harness', 'cli.ts'), 'ring', 'up', '--driver', 'process', '--size', '2', '--name', 'fg'], {
      cwd: ROOT,
      env: { ...process.env, SOSIMPLE_LOOPBACK_NET: net },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let errText = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
    await new Promise<void>((resolveReady, reject) => {
      child.stderr.on('data', (d: Buffer) => {
        errText += d.toString();
        if (errText.includes('Ctrl-C stops its 2 nodes')) resolveReady();
      });
      void exited.then(() => reject(new Error(`ring up exited early: ${errText}`)));
    });
    expect(out).toMatch(/^ring fg \(process driver, harness side 127\.0\.0\.1\):\nNODE .*\nreference-\d .*\nreference-\d .*\nring stable: every running node's S 1 and P 1 match the oracle\n$/);
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(errText).toMatch(/ring fg: nodes stopped\n$/);
    // Nothing answers on the ring's addresses any more.
    const probe = await VirtualNode.start({ host: '127.0.0.1', defaultReply: 'silence' });
    try {
      await expect(readNeighbours(probe, { host: `${net}.2`, port: 5060, nodeId: nodeIdOf(`${net}.2`, 5060) })).rejects.toThrow();
    } finally {
      await probe.close();
    }
  }, 90_000);
});

describe('the ring table', () => {
  const node = (name: string, host: string): { name: string; host: string; port: number; nodeId: string } => ({ name, host, port: 5060, nodeId: nodeIdOf(host, 5060) });
  const nodes = [node('n-1', '10.0.0.1'), node('n-2', '10.0.0.2'), node('n-3', '10.0.0.3'), node('n-4', '10.0.0.4')];
  const oracle = new RingOracle(nodes.map((n) => n.nodeId));
  const asOracleSays = (): NodeRow[] => nodes.map((n) => ({ ...n, successor: oracle.successor(n.nodeId), predecessor: oracle.predecessor(n.nodeId)! }));

  it('lists the nodes in ring order and finds no mismatch on a ring as the oracle says', () => {
    const rows = asOracleSays().sort(byRingOrder);
    expect(mismatches(rows)).toEqual([]);
    const lines = formatTable(rows).split('\n');
    expect(lines[0]).toMatch(/^NODE +NODE-ID +ADDRESS +SUCCESSOR \(S 1\) +PREDECESSOR \(P 1\)$/);
    // Each row's successor is the next row's node.
    const names = lines.slice(1).map((l) => l.split(/ +/)[0]);
    lines.slice(1).forEach((l, i) => expect(l.split(/ +/)[3]).toBe(names[(i + 1) % names.length]));
  });

  it('names a wrong S 1 as expected / actual, and leaves a node that is down out of the oracle', () => {
    const rows = asOracleSays();
    const wrong = rows[0]!;
    const other = rows.find((r) => r.nodeId !== wrong.successor && r.nodeId !== wrong.nodeId)!;
    wrong.successor = other.nodeId;
    const expected = nodes.find((n) => n.nodeId === oracle.successor(wrong.nodeId))!.name;
    expect(mismatches(rows)).toEqual([`${wrong.name} S 1: expected ${expected} / actual ${other.name}`]);
    // The node after n-1 goes down and the ring closes over it: no mismatch.
    const gone = rows.find((r) => r.nodeId === oracle.successor(nodes[0]!.nodeId))!;
    const live = new RingOracle(nodes.filter((n) => n !== nodes.find((x) => x.nodeId === gone.nodeId)).map((n) => n.nodeId));
    const repaired = asOracleSays().map((r) => (r.nodeId === gone.nodeId ? { ...r, down: 'container exited' } : { ...r, successor: live.successor(r.nodeId), predecessor: live.predecessor(r.nodeId)! }));
    expect(mismatches(repaired)).toEqual([]);
    expect(formatTable(repaired)).toMatch(new RegExp(`^${gone.name} .*\\(container exited\\) +\\(container exited\\)$`, 'm'));
  });
});

describe('reading Jest results', () => {
  const file = (message: string): JestResults => ({
    numPassedTests: 1,
    numFailedTests: 1,
    numPendingTests: 1,
    numRuntimeErrorTestSuites: 0,
    testResults: [
      {
        name: join(ROOT, 'suites', 'join.test.ts'),
        assertionResults: [
          { title: 'SOS-JOIN-1 a redirect', status: 'passed', duration: 12, failureMessages: [] },
          { title: 'SOS-JOIN-2 a chain', status: 'failed', failureMessages: [message] },
          { title: 'SOS-MAINT-2 leave [not applicable: target x does not claim leave]', status: 'pending', failureMessages: [] },
        ],
      },
    ],
  });

  it('finds the marked ring start failure and names the node and its address', () => {
    const r = file('Error: [sosimple:NotReadyError] node reference-2 (172.29.4.11:5060, ID 3ebdc287062c…) did not answer a node query for its own ID within 15000 ms (15 attempts; last: no answer)\n    at x (y.ts:1:1)');
    expect(describeRingStartFailure(ringStartFailure(r)!)).toBe('node reference-2 at 172.29.4.11:5060 did not answer a node query for its own ID within 15000 ms (15 attempts; last: no answer)');
  });

  it('reads an unmarked readiness failure (a ring started elsewhere) and a node that exited', () => {
    const r = file('Error: the shared ring did not start: node reference-1 (127.0.0.2:5060) exited before answering: exit code 1; output: boom');
    expect(describeRingStartFailure(ringStartFailure(r)!)).toBe('node reference-1 at 127.0.0.2:5060 did not answer (it exited before answering: exit code 1; output: boom)');
  });

  it('an environment failure is its own message; an ordinary failure is no ring start failure', () => {
    expect(ringStartFailure(file('Error: [sosimple:EnvironmentError] image x:y is not on this Docker engine'))).toEqual({ kind: 'environment', message: 'image x:y is not on this Docker engine' });
    expect(ringStartFailure(file('Error: expect(received).toBe(expected)\n\nExpected: 302\nReceived: 200'))).toBeUndefined();
  });

  it('summarises checks with their requirement, status and the gist of a failure', () => {
    const s = summarise(file('Error: expect(received).toBe(expected) // Object.is equality\n\nExpected: 302\nReceived: 200\n    at Object.<anonymous> (suites/join.test.ts:40:5)'), ROOT);
    expect(s).toMatchObject({ passed: 1, failed: 1, notApplicable: 1, broken: [] });
    expect(s.checks.map((c) => [c.requirement, c.status])).toEqual([
      ['SOS-JOIN-1', 'passed'],
      ['SOS-JOIN-2', 'failed'],
      ['SOS-MAINT-2', 'not applicable'],
    ]);
    expect(s.checks[1]!.failure).toBe('Error: expect(received).toBe(expected) // Object.is equality / Expected: 302 / Received: 200');
  });

  it('the progress reporter prints a line per check: passed, failed, not applicable with the reason', () => {
    expect(progress.checkLine({ title: 'SOS-JOIN-1 a redirect', status: 'passed', duration: 1500 })).toBe('  ✓ SOS-JOIN-1 a redirect (1.5 s)');
    expect(progress.checkLine({ title: 'SOS-JOIN-2 a chain', status: 'failed' })).toBe('  ✗ SOS-JOIN-2 a chain');
    expect(progress.checkLine({ title: 'SOS-MAINT-2 leave [not applicable: target x does not claim leave]', status: 'pending' })).toBe('  - SOS-MAINT-2 leave — not applicable (target x does not claim leave)');
  });
});
