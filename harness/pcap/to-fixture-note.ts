// pcap2fixture's note (x.note.md beside x.yaml): where the fixture came from, what the captured
// node answered beside what the fixture expects instead, every replacement, what was left out.

import { nodeIdOf } from '../overlay/id';
import type { ExtractedMessage } from './extract';
import { hostPortText } from './list';
import type { Judged, Roles, ToFixtureOptions } from './to-fixture';
import { classWords, requestClass } from './to-fixture-judge';
import type { TemplateContext } from './to-fixture-template';

const frame = (m: ExtractedMessage): number => m.packetIndex + 1;
const addressText = (a: { ip: string; port: number }): string => hostPortText(a.ip, a.port);

export interface NoteParts {
  o: ToFixtureOptions;
  how: string;
  roles: Roles;
  judged: Judged[];
  frames: number[];
  time: string;
  ctx: TemplateContext;
  dropped: string[];
  requirements: string[];
}

export function renderNote(n: NoteParts): string {
  const { o, roles, ctx } = n;
  const lines = [
    '# Where this fixture came from',
    '',
    `- Capture: \`${o.source}\``,
    `- Chosen: ${n.how}`,
    `- Frames: ${n.frames.join(', ')} (numbered as Wireshark does, from 1); first request at ${n.time}`,
    `- Requirement(s): ${n.requirements.join(', ')}${o.requirements?.length ? ' (named by the user)' : ' (inferred from the findings)'}`,
    '',
    '## Endpoints',
    '',
    '| role | played by | captured endpoint | Node-ID in the capture |',
    '| --- | --- | --- | --- |',
    ...roles.names.map((r) => `| ${r.role} | ${r.role === 'target' ? 'the node under test' : 'the harness'} | ${addressText(r.address)} | ${nodeIdOf(r.address.ip, r.address.port)} |`),
    '',
    '## The captured answers, and what the fixture expects instead',
    '',
  ];
  if (n.judged.length === 0) lines.push('No request of the harness to the target in the chosen messages.', '');
  for (const j of n.judged) {
    const ex = j.exchange;
    lines.push(`- Frame ${frame(ex.request)}: ${classWords(requestClass(ex.request.message), ex.request.message)} \`${ex.request.message.startLine.raw}\``);
    lines.push(`  - captured answer: ${ex.final ? `frame ${frame(ex.final)}, \`${ex.final.message.startLine.raw}\`` : 'none'}`);
    for (const p of j.problems) lines.push(`  - ${p.requirement}: ${p.text}`);
    lines.push(`  - expected (${j.expected.requirements.join(', ') || 'as captured'}): ${j.expected.summary}`);
  }
  lines.push('', '## Replaced by placeholders', '', '| captured | placeholder | what |', '| --- | --- | --- |');
  for (const r of ctx.replacements) lines.push(`| \`${r.original}\` | \`${r.placeholder}\` | ${r.what} |`);
  lines.push('', '`{{branch}}`, `{{callId}}`, `{{tag}}` and `{{cseq}}` are fresh for each exchange when the fixture is played; `{{expected.*}}` is the ring oracle\'s value on the ring it is played against.');
  if (o.anonymize) lines.push('', 'Anonymized: user names are `{{user}}` (further users `user2`, `user3`, …), display names and message bodies are removed.');
  const left = [...ctx.leftAsWritten];
  const out = [...n.dropped];
  if (left.length) out.push(`written as captured (no role has them): ${left.join(', ')}`);
  if (roles.left.length) out.push(`transactions not between the target and the harness endpoints: ${roles.left.map((e) => `frame ${frame(e.request)} ${addressText(e.request.src)} -> ${addressText(e.request.dst)}`).join('; ')}`);
  lines.push('', '## Left out', '', ...(out.length ? out.map((x) => `- ${x}`) : ['- nothing']), '');
  return lines.join('\n');
}
