// The pcap2fixture command: files in, fixture and note out, and one-line UsageErrors naming
// the file for everything a person can fix (exit 2 through the CLI).

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { loadFixture } from '../fixtures/fixture';
import { notePathFor, pcap2fixture, registerPcap2fixture } from './pcap2fixture';
import { UsageError } from './common';

const EXAMPLE = join(__dirname, '..', '..', 'fixtures', 'pcap', 'node-query-missing-s1.pcap');

describe('pcap2fixture', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'pcap2fixture-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes a fixture the loader accepts and its note beside it', () => {
    const out = join(dir, 'derived.yaml');
    const r = pcap2fixture(EXAMPLE, { out });
    expect(r.written).toEqual({ fixture: out, note: join(dir, 'derived.note.md') });
    expect(loadFixture(out).requirements).toEqual(['SOS-LOOKUP-5']);
    expect(readFileSync(r.written!.note, 'utf8')).toMatch(/^# Where this fixture came from/);
    expect(notePathFor('a/b.yml')).toBe('a/b.note.md');
  });

  it.each([
    ['a missing file', join('/nonexistent', 'x.pcap'), {}, /^capture not found: \/nonexistent\/x\.pcap$/],
    ['an unknown Call-ID', EXAMPLE, { callId: 'nosuch' }, /node-query-missing-s1\.pcap: no SIP request with Call-ID nosuch \(Call-IDs in the capture: /],
    ['an empty window', EXAMPLE, { from: '+60', to: '+61' }, /node-query-missing-s1\.pcap: no SIP request between/],
    ['half a window', EXAMPLE, { from: '+60' }, /give both --from and --to/],
  ])('%s is a UsageError naming the file and the reason', (_label, file, options, message) => {
    expect(() => pcap2fixture(file, options)).toThrow(UsageError);
    expect(() => pcap2fixture(file, options)).toThrow(message);
  });

  it('a broken capture is a UsageError with the reader\'s reason', () => {
    const bad = join(dir, 'bad.pcap');
    writeFileSync(bad, 'not a capture at all');
    expect(() => pcap2fixture(bad)).toThrow(/bad\.pcap: not a pcap or pcapng file \(magic 0x6e6f7420\)/);
  });

  it('is a command named pcap2fixture: stdout gets the fixture, its options conflict as documented', async () => {
    const codes: number[] = [];
    const program = new Command('x').exitOverride();
    registerPcap2fixture(program, (c) => codes.push(c));
    expect(program.commands.map((c) => c.name())).toEqual(['pcap2fixture']);
    const out = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const err = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      await program.parseAsync(['pcap2fixture', EXAMPLE, '--harness', '172.30.86.10:5060', '--requirement', 'SOS-LOOKUP-5'], { from: 'user' });
      expect(codes).toEqual([0]);
      expect(String(out.mock.calls[0]![0])).toMatch(/^# Derived by pcap2fixture/);
      await expect(program.parseAsync(['pcap2fixture', EXAMPLE, '--call-id', 'x', '--first-failing'], { from: 'user' })).rejects.toThrow(/cannot be used with option '--first-failing'/);
      await expect(program.parseAsync(['pcap2fixture', EXAMPLE, '--harness', 'nonsense'], { from: 'user' })).rejects.toThrow(/"nonsense" is not an endpoint/);
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
  });
});
