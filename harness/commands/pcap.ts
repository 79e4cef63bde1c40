// `sosimple-conformance pcap …`: work with captures. `pcap ls` lists every SIP message in a
// pcap or pcapng file.

import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { PcapError } from '../pcap/capture';
import { extractSipFromFile } from '../pcap/extract';
import { formatPcapTable, listMessages } from '../pcap/list';
import { EXIT_OK, UsageError, type OnExit } from './common';

export function registerPcap(program: Command, onExit: OnExit): Command {
  const pcap = program.command('pcap').description('work with captures (pcap or pcapng)');
  pcap
    .command('ls')
    .description('list every SIP message in a capture: time, source, destination, transport, start line, Call-ID, CSeq')
    .argument('<file>', 'a pcap or pcapng file')
    .option('--json', 'one JSON object per message, as an array')
    .action((file: string, opts: { json?: boolean }) => onExit(pcapLs(file, opts.json === true)));
  return pcap;
}

function pcapLs(file: string, json: boolean): number {
  if (!existsSync(file)) throw new UsageError(`capture not found: ${file}`);
  let extraction;
  try {
    extraction = extractSipFromFile(file);
  } catch (e) {
    if (e instanceof PcapError) throw new UsageError(`${file}: ${e.message}`);
    throw e;
  }
  const entries = listMessages(extraction);
  if (json) console.log(JSON.stringify(entries, null, 2));
  else {
    console.log(formatPcapTable(entries));
    const s = extraction.summary as unknown as Record<string, unknown>;
    console.error(`${entries.length} SIP message(s); summary: ${JSON.stringify(s)}`);
  }
  return EXIT_OK;
}
