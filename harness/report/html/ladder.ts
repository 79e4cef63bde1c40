// A message trace as a ladder (sequence) diagram in SVG: one lifeline per endpoint (the
// harness's virtual nodes on the left, ring nodes in ring order, then anything else), one
// arrow per message in order, labelled with its start line. Arrows carry `data-msg`, the id of
// the <template> holding the raw message, so a click can show it.

import type { MessageEntry } from '../results';
import { clip, html } from '../text';

export interface Lifeline {
  name: string;
  /** host:port, as a second label line. */
  address: string;
  harness: boolean;
}

export interface LadderOptions {
  /** Ring nodes' names in ring order (by ID), so their lifelines follow the ring. */
  ringOrder?: readonly string[];
  /** The id of the message template for a message (default `m-<seq>`). */
  messageId?: (m: MessageEntry) => string;
}

const GUTTER = 96;
const HEAD = 46;
const ROW = 24;
const CHAR_PX = 6.4;

/** host:port; the default SIP port is left out to keep lane heads narrow. */
function endpointText(e: { host: string; port: number }): string {
  const host = e.host.includes(':') ? `[${e.host}]` : e.host;
  return e.port === 5060 ? host : `${host}:${e.port}`;
}

/** Shortens in the middle, so `joiner-reference-12` keeps the end that tells lanes apart. */
export function clipMiddle(text: string, max: number): string {
  if (text.length <= max) return text;
  const tail = Math.ceil((max - 1) / 2);
  return `${text.slice(0, max - 1 - tail)}…${text.slice(text.length - tail)}`;
}

/** The lifelines the messages need, left to right. */
export function lifelines(messages: readonly MessageEntry[], ringOrder: readonly string[] = []): Lifeline[] {
  const harness = new Map<string, Lifeline>();
  const peers = new Map<string, Lifeline>();
  for (const m of messages) {
    if (!harness.has(m.node)) harness.set(m.node, { name: m.node, address: endpointText(m.local), harness: true });
    if (!peers.has(m.peer) && !harness.has(m.peer)) peers.set(m.peer, { name: m.peer, address: endpointText(m.remote), harness: false });
  }
  const rank = (name: string): number => {
    const i = ringOrder.indexOf(name);
    return i < 0 ? Number.MAX_SAFE_INTEGER : i;
  };
  const others = [...peers.values()].sort((a, b) => rank(a.name) - rank(b.name));
  return [...harness.values(), ...others];
}

/** The arrow's label: the method and Request-URI of a request, the status line of a response. */
export function arrowLabel(startLine: string): string {
  const status = /^SIP\/2\.0\s+(\d{3})\s*(.*)$/i.exec(startLine);
  if (status) return `${status[1]} ${status[2]}`.trim();
  const request = /^([A-Za-z]+)\s+(\S+)/.exec(startLine);
  if (request) return `${request[1]} ${request[2]!.replace(/^sips?:/, '')}`;
  return startLine || '(no start line)';
}

function severityOf(m: MessageEntry): 'error' | 'warning' | undefined {
  if (m.findings.some((f) => f.severity === 'error')) return 'error';
  if (m.findings.length > 0) return 'warning';
  return undefined;
}

/**
 * Arrowheads shared by every ladder, placed once in the page in an SVG that is always rendered
 * (a marker inside a collapsed <details> may not paint for arrows elsewhere).
 */
export function ladderMarkers(): string {
  return (['out', 'in', 'error', 'warning'] as const)
    .map((k) => `<marker id="ah-${k}" class="ah ah-${k}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0 0L10 5L0 10z"/></marker>`)
    .join('');
}

export function ladderSvg(messages: readonly MessageEntry[], options: LadderOptions = {}): string {
  const lanes = lifelines(messages, options.ringOrder);
  const col = lanes.length <= 4 ? 180 : lanes.length <= 6 ? 140 : lanes.length <= 8 ? 112 : 98;
  const x = (name: string): number => GUTTER + col / 2 + lanes.findIndex((l) => l.name === name) * col;
  const width = GUTTER + lanes.length * col + 8;
  const height = HEAD + messages.length * ROW + 12;
  const idOf = options.messageId ?? ((m: MessageEntry) => `m-${m.seq}`);
  const origin = messages[0]?.timeMs ?? 0;

  const parts: string[] = [];
  parts.push(
    `<svg class="ladder-svg" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="message ladder: ${messages.length} messages between ${lanes.length} endpoints">`,
  );
  // Lifelines and their heads.
  for (const lane of lanes) {
    const lx = x(lane.name);
    parts.push(
      `<g class="lane${lane.harness ? ' lane-harness' : ''}"><rect x="${lx - col / 2 + 6}" y="4" width="${col - 12}" height="34" rx="5"/>`,
      `<text class="lane-name" x="${lx}" y="19">${html(clipMiddle(lane.name, Math.floor((col - 12) / 6.4)))}</text>`,
      `<text class="lane-addr" x="${lx}" y="32">${html(clipMiddle(lane.address, Math.floor((col - 10) / 5.4)))}</text>`,
      `<line x1="${lx}" y1="38" x2="${lx}" y2="${height - 4}"/></g>`,
    );
  }
  messages.forEach((m, i) => {
    const y = HEAD + i * ROW + 15;
    const [from, to] = m.direction === 'out' ? [m.node, m.peer] : [m.peer, m.node];
    const x1 = x(from);
    const x2 = x(to);
    const sev = severityOf(m);
    const kind = sev ?? m.direction;
    const cls = ['msg', `msg-${m.direction}`, sev ? `sev-${sev}` : '', m.retransmission ? 'retrans' : ''].filter(Boolean).join(' ');
    const offset = `+${(m.timeMs - origin).toFixed(1)} ms`;
    const mark = sev === 'error' ? '✖ ' : sev === 'warning' ? '⚠ ' : '';
    const count = m.findings.length ? ` (${m.findings.length} finding${m.findings.length === 1 ? '' : 's'})` : '';
    const tip = `#${m.seq} ${m.time} ${from} → ${to}: ${m.startLine}${count}${m.retransmission ? ' [retransmission]' : ''}`;
    parts.push(`<g class="${cls}" data-msg="${html(idOf(m))}" tabindex="0" role="button"><title>${html(tip)}</title>`);
    parts.push(`<rect class="hit" x="0" y="${y - 15}" width="${width}" height="${ROW}"/>`);
    parts.push(`<text class="seq" x="6" y="${y + 4}">#${m.seq}</text><text class="ofs" x="${GUTTER - 8}" y="${y + 4}">${offset}</text>`);
    if (x1 === x2) {
      parts.push(`<path d="M${x1} ${y - 6}h26v12h-24" marker-end="url(#ah-${kind})"/>`);
      parts.push(`<text class="lbl" x="${x1 + 32}" y="${y + 4}" text-anchor="start">${html(mark + clip(arrowLabel(m.startLine), 40))}</text>`);
    } else {
      const dir = x2 > x1 ? 1 : -1;
      parts.push(`<line x1="${x1 + dir * 2}" y1="${y}" x2="${x2 - dir * 3}" y2="${y}" marker-end="url(#ah-${kind})"/>`);
      // One label per row, so it may run past a short arrow; it is only kept inside the picture.
      const text = mark + clip(arrowLabel(m.startLine), 44);
      const half = (text.length * CHAR_PX) / 2;
      const cx = Math.min(Math.max((x1 + x2) / 2, GUTTER + half), width - 4 - half);
      parts.push(`<text class="lbl" x="${cx.toFixed(1)}" y="${y - 4}">${html(text)}</text>`);
    }
    parts.push('</g>');
  });
  parts.push('</svg>');
  return parts.join('');
}
