// `sosimple-conformance pcap2fixture CAPTURE …`: turns an exchange of a capture (pcap or
// pcapng, from Wireshark, tcpdump or a failing test's artifacts) into a replayable scenario
// fixture plus a note of where it came from. The logic is harness/pcap/to-fixture.ts; this
// module reads the file, checks the result loads, and writes it.

import { Command, InvalidArgumentError, Option } from 'commander';
import { existsSync, writeFileSync } from 'node:fs';
import { catalogue } from '../catalogue/catalogue';
import { parseFixture } from '../fixtures/fixture';
import { FixtureFormatError } from '../fixtures/types';
import { PcapError } from '../pcap/capture';
import { extractSipFromFile } from '../pcap/extract';
import { captureToFixture, CaptureToFixtureError, parseEndpoint, type DerivedFixture, type ToFixtureOptions } from '../pcap/to-fixture';
import { EXIT_OK, shown, UsageError, type OnExit } from './common';

export interface Pcap2FixtureOptions extends Omit<ToFixtureOptions, 'source' | 'knownRequirements' | 'window'> {
  from?: string;
  to?: string;
  /** Where to write the fixture; the note goes beside it as NAME.note.md. */
  out?: string;
}

export interface Pcap2FixtureResult extends DerivedFixture {
  /** The files written, with -o. */
  written?: { fixture: string; note: string };
}

/** `x.yaml` → `x.note.md`. */
export function notePathFor(fixturePath: string): string {
  return `${fixturePath.replace(/\.ya?ml$/i, '')}.note.md`;
}

/**
 * Derives the fixture of `capture` and, with `out`, writes it and its note. Every problem a
 * person can fix (no such file, broken capture, no such Call-ID, empty window, no SIP…) is a
 * UsageError naming the file and the reason.
 */
export function pcap2fixture(capture: string, options: Pcap2FixtureOptions = {}): Pcap2FixtureResult {
  const source = shown(capture);
  if (!existsSync(capture)) throw new UsageError(`capture not found: ${source}`);
  if ((options.from === undefined) !== (options.to === undefined)) throw new UsageError(`${source}: give both --from and --to for a time window`);
  let derived: DerivedFixture;
  try {
    const { from, to, out: _out, ...rest } = options;
    const extraction = extractSipFromFile(capture);
    derived = captureToFixture(extraction, { ...rest, source, knownRequirements: new Set(catalogue().keys()), ...(from !== undefined && to !== undefined ? { window: { from, to } } : {}) });
  } catch (e) {
    if (e instanceof PcapError) throw new UsageError(`${source}: ${e.message}`);
    if (e instanceof CaptureToFixtureError) throw new UsageError(e.message);
    throw e;
  }
  // What we write must load: a fixture the loader refuses is our bug, said as such.
  const path = options.out ?? `${source.replace(/\.(pcapng|pcap|cap)$/i, '')}.yaml`;
  try {
    parseFixture(derived.yaml, path, { knownRequirements: new Set(catalogue().keys()) });
  } catch (e) {
    if (e instanceof FixtureFormatError) throw new Error(`pcap2fixture wrote a fixture the loader refuses (a harness bug): ${e.message}`);
    throw e;
  }
  if (!options.out) return derived;
  const note = notePathFor(options.out);
  writeFileSync(options.out, derived.yaml);
  writeFileSync(note, derived.note);
  return { ...derived, written: { fixture: options.out, note } };
}

function endpoint(value: string, previous: string[] = []): string[] {
  try {
    parseEndpoint(value);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
  return [...previous, value];
}

function requirementIds(value: string, previous: string[] = []): string[] {
  const ids = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const id of ids) if (!/^SOS-[A-Z]+-\d+$/.test(id)) throw new InvalidArgumentError(`"${id}" is not a requirement ID like SOS-LOOKUP-5`);
  return [...previous, ...ids];
}

const HELP = `
Which exchange (one of):
  --call-id ID          every transaction of that Call-ID
  --from T --to T       every transaction whose request was sent in [T, T]; a time is ISO 8601
                        (as \`pcap ls\` prints it), seconds since the epoch, or +seconds from the
                        first packet
  --first-failing       (default) the first transaction whose captured final answer fails: its
                        status is not the one the catalogue requires for that request, or the
                        harness's checker reports an error on it (run with the role the request
                        implies). Unanswered requests and unparsable messages are not judged.

Who plays what: the node under test is the endpoint that answers (--target to choose), the
harness plays every endpoint that talks to it (--harness to choose; repeat it for several).
The target's answers become expectations of what the catalogue requires, not copies.

Writes FILE (-o) and FILE's note (x.yaml -> x.note.md); without -o the fixture goes to
stdout and the note to stderr.`;

/** The `pcap2fixture` command; its action reports the exit code through `onExit`. */
export function pcap2fixtureCommand(onExit: OnExit): Command {
  return new Command('pcap2fixture')
    .description('turn an exchange of a capture into a replayable scenario fixture (fixtures/README.md, "pcap2fixture")')
    .argument('<capture>', 'a pcap or pcapng file')
    .addOption(new Option('--call-id <id>', 'the transactions of this Call-ID').conflicts(['from', 'to', 'firstFailing']))
    .addOption(new Option('--from <time>', 'start of a time window').conflicts(['callId', 'firstFailing']))
    .addOption(new Option('--to <time>', 'end of a time window').conflicts(['callId', 'firstFailing']))
    .addOption(new Option('--first-failing', 'the first failing transaction (default)').conflicts(['callId', 'from', 'to']))
    .option('--harness <endpoint...>', 'endpoint(s) the harness plays: ip:port or ip (write the capture before them, or repeat the option)', endpoint)
    .option('--target <endpoint>', 'the endpoint the node under test plays: ip:port or ip')
    .option('--requirement <id>', 'the requirement ID(s) the fixture checks, e.g. SOS-LOOKUP-5 (repeatable)', requirementIds)
    .option('--anonymize', 'replace user names by {{user}} and drop message bodies')
    .option('-o, --out <file>', 'write the fixture here (and the note beside it)')
    .addHelpText('after', HELP)
    .exitOverride()
    .action((capture: string, opts: { callId?: string; from?: string; to?: string; firstFailing?: boolean; harness?: string[]; target?: string; requirement?: string[]; anonymize?: boolean; out?: string }) => {
      const options: Pcap2FixtureOptions = {};
      if (opts.callId !== undefined) options.callId = opts.callId;
      if (opts.from !== undefined) options.from = opts.from;
      if (opts.to !== undefined) options.to = opts.to;
      if (opts.firstFailing) options.firstFailing = true;
      if (opts.harness) options.harness = opts.harness;
      if (opts.target !== undefined) {
        try {
          parseEndpoint(opts.target);
        } catch (e) {
          throw new UsageError(`--target: ${(e as Error).message}`);
        }
        options.target = opts.target;
      }
      if (opts.requirement) options.requirements = opts.requirement;
      if (opts.anonymize) options.anonymize = true;
      if (opts.out !== undefined) options.out = opts.out;
      const result = pcap2fixture(capture, options);
      if (result.written) {
        console.error(`pcap2fixture: wrote ${shown(result.written.fixture)} and ${shown(result.written.note)} (${result.requirements.join(', ')}; frames ${result.frames.join(', ')})`);
      } else {
        process.stdout.write(result.yaml);
        process.stderr.write(`\n${result.note}`);
      }
      onExit(EXIT_OK);
    });
}

/** Adds `pcap2fixture` to the CLI (harness/cli.ts, buildProgram). */
export function registerPcap2fixture(program: Command, onExit: OnExit): Command {
  const command = pcap2fixtureCommand(onExit);
  program.addCommand(command);
  return command;
}
