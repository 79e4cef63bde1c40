// The entry point as a process: the env contract, a refused configuration, readiness on the
// wire, JSON log lines, and a graceful leave on SIGTERM. Runs main.ts through ts-node, so no
// build is needed.
import { ChildProcess, spawn } from 'child_process';
import { join } from 'path';
import { nodeIdOf } from './ids';
import { loopbackAddress } from './inprocess';
import { END, RawPeer, waitFor } from './test-support';

jest.setTimeout(30_000);

const main = join(__dirname, 'main.ts');
const children: ChildProcess[] = [];

function start(env: Record<string, string>): { child: ChildProcess; out: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['-r', 'ts-node/register', main], {
    env: { ...process.env, TS_NODE_TRANSPILE_ONLY: '1', TS_NODE_PROJECT: join(__dirname, '..', '..', 'tsconfig.json'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, out: () => out, exited };
}

const peer = new RawPeer(loopbackAddress(10_999), 5071);
beforeAll(() => peer.start());
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await peer.close();
});

describe('main.ts as a process', () => {
  it('refuses an unknown fault switch with exit code 2 and a JSON fatal line', async () => {
    const p = start({ SOSIMPLE_ADDRESS: loopbackAddress(10_900), SOSIMPLE_PORT: '5070', SOSIMPLE_FAULTS: 'no-such-fault' });
    expect(await p.exited).toBe(2);
    const line = JSON.parse(p.out().trim().split('\n')[0]) as { level: number; err: string };
    expect(line.level).toBe(60);
    expect(line.err).toMatch(/no-such-fault/);
  });

  it('answers a readiness query, logs JSON, and leaves on SIGTERM with exit code 0', async () => {
    const host = loopbackAddress(10_901);
    const p = start({ SOSIMPLE_ADDRESS: host, SOSIMPLE_PORT: '5070', SOSIMPLE_STABILIZE_MS: '200' });
    const at = { host, port: 5070 };
    const own = nodeIdOf(host, 5070);
    let answer = '';
    await waitFor(
      'a final answer to a node query (readiness)',
      async () => {
        answer = await peer
          .exchange(at, (b) => [...peer.head('REGISTER', at, b, `sip:${own}@${peer.host}:${peer.port};user=node;alg=rsa-sha1;overlay=chat`), ...peer.dht(), ...END], 300)
          .catch(() => '');
        return answer !== '';
      },
      20_000,
      100,
    );
    expect(answer).toMatch(/^SIP\/2\.0 200 /);
    expect(p.out()).toMatch(/"msg":"started"/);
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    expect(p.out()).toMatch(/"msg":"left the overlay"/);
  });
});
