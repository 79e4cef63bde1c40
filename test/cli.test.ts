import { main, EXIT_OK, EXIT_USAGE, knownSuites } from '../harness/cli';

describe('command line', () => {
  let err: jest.SpyInstance;
  beforeEach(() => {
    err = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    jest.spyOn(console, 'log').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  it('names a missing target file in one line and exits 2', async () => {
    expect(await main(['run', '--target', 'no/such/target.yaml'])).toBe(EXIT_USAGE);
    expect(err).toHaveBeenCalledWith('sosimple-conformance: target file not found: no/such/target.yaml');
  });

  it('names an unknown suite and lists the known ones, exit 2', async () => {
    expect(await main(['run', '--suites', 'join,nosuch'])).toBe(EXIT_USAGE);
    expect(err).toHaveBeenCalledWith(`sosimple-conformance: unknown suite(s): nosuch; known: ${knownSuites().join(', ')}`);
  });

  it('says so in one line when the Docker engine does not answer, exit 2', async () => {
    const saved = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = 'unix:///nonexistent/docker.sock';
    try {
      jest.resetModules();
      const cli = await import('../harness/cli');
      expect(await cli.main(['run', '--driver', 'docker'])).toBe(EXIT_USAGE);
      expect(err.mock.calls.flat().join('\n')).toMatch(/^sosimple-conformance: no Docker engine answers at unix:\/\/\/nonexistent\/docker.sock/);
    } finally {
      if (saved === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = saved;
    }
  });

  it('rejects an unknown command and an unknown driver with exit 2', async () => {
    jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(await main(['frobnicate'])).toBe(EXIT_USAGE);
    expect(await main(['run', '--driver', 'kubernetes'])).toBe(EXIT_USAGE);
  });

  it('pcap ls lists the SIP messages of a capture as JSON, and names a broken capture in one line', async () => {
    const fs = require('node:fs') as typeof import('node:fs');
    const dir = fs.mkdtempSync(require('node:path').join(require('node:os').tmpdir(), 'sosimple-cli-pcap-'));
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

  it('runs a suite against the reference node with the process driver and exits 0', async () => {
    const out = require('node:fs').mkdtempSync(require('node:path').join(require('node:os').tmpdir(), 'sosimple-cli-'));
    expect(await main(['run', '--driver', 'process', '--suites', 'errors', '--out', out])).toBe(EXIT_OK);
    const results = JSON.parse(require('node:fs').readFileSync(`${out}/results.json`, 'utf8'));
    expect(results.numPassedTests).toBeGreaterThan(0);
    expect(results.numFailedTests).toBe(0);
  }, 120_000);
});
