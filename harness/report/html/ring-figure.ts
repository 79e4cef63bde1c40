// The ring as a circle in SVG: each node placed by its ID (0 at the top, clockwise), the
// oracle's successor S 1 as arcs, the successor a node reported when it differs as a red
// dashed chord, and the distinct fingers as chords (hidden until toggled).

import type { RingFile, RingNodeJson } from '../evidence';
import { clip, html } from '../text';

const SIZE = 340;
const C = SIZE / 2;
const R = 112;
const DOT = 8;

/** The node's place on the circle: 0 at the top, growing clockwise; 52 bits of the ID suffice. */
export function ringAngle(nodeId: string): number {
  const top = parseInt(nodeId.slice(0, 13).padEnd(13, '0'), 16);
  const fraction = Number.isFinite(top) ? top / 2 ** 52 : 0;
  return fraction * 2 * Math.PI - Math.PI / 2;
}

function at(angle: number, radius = R): [number, number] {
  return [C + radius * Math.cos(angle), C + radius * Math.sin(angle)];
}

function f(n: number): string {
  return n.toFixed(1);
}

function arc(a: number, b: number): string {
  // Clockwise from a to b, leaving room for the dots at both ends.
  let span = b - a;
  while (span <= 0) span += 2 * Math.PI;
  const pad = Math.min((DOT + 3) / R, span / 4);
  const [x1, y1] = at(a + pad);
  const [x2, y2] = at(a + span - pad);
  const large = span - 2 * pad > Math.PI ? 1 : 0;
  return `M${f(x1)} ${f(y1)}A${R} ${R} 0 ${large} 1 ${f(x2)} ${f(y2)}`;
}

function chord(a: number, b: number, inset = DOT + 3): string {
  const [x1, y1] = at(a);
  const [x2, y2] = at(b);
  const len = Math.hypot(x2 - x1, y2 - y1) || 1;
  const ux = (x2 - x1) / len;
  const uy = (y2 - y1) / len;
  return `M${f(x1 + ux * inset)} ${f(y1 + uy * inset)}L${f(x2 - ux * inset)} ${f(y2 - uy * inset)}`;
}

/** Arrowheads for ring figures, placed once in the page. */
export function ringMarkers(): string {
  return (['succ', 'seen', 'finger'] as const)
    .map((k) => `<marker id="rh-${k}" class="rh rh-${k}" viewBox="0 0 10 10" refX="8" refY="5" markerWidth="6" markerHeight="6" orient="auto"><path d="M0 0L10 5L0 10z"/></marker>`)
    .join('');
}

/** The oracle's S 1; a lone live node is its own successor (SOS-RING-6). */
export function expectedSuccessor(n: RingNodeJson, ring: RingFile): string | undefined {
  if (n.expected.successors[0]) return n.expected.successors[0];
  return n.live && ring.nodes.filter((x) => x.live).length === 1 ? n.nodeId : undefined;
}

/**
 * Short names for the figure: when every node's name is one prefix plus a short suffix
 * (`reference-1` … `reference-8`), the suffix; otherwise the whole name.
 */
export function nodeLabels(nodes: readonly { nodeId: string; name: string }[]): Map<string, string> {
  const names = nodes.map((n) => n.name);
  let prefix = names[0] ?? '';
  for (const n of names) while (!n.startsWith(prefix)) prefix = prefix.slice(0, -1);
  prefix = prefix.slice(0, prefix.lastIndexOf('-') + 1);
  const short = prefix !== '' && names.every((n) => n.length - prefix.length <= 3 && n.length > prefix.length);
  return new Map(nodes.map((n) => [n.nodeId, short ? n.name.slice(prefix.length) : n.name]));
}

function short(id: string | undefined): string {
  return id ? id.slice(0, 8) : '—';
}

export function ringSvg(ring: RingFile): string {
  const nodes = [...ring.nodes].sort((a, b) => a.nodeId.localeCompare(b.nodeId));
  const byId = new Map(nodes.map((n) => [n.nodeId, n]));
  const angle = new Map(nodes.map((n) => [n.nodeId, ringAngle(n.nodeId)]));
  const labels = nodes.length <= 16;
  const parts: string[] = [];
  parts.push(`<svg class="ring-svg" xmlns="http://www.w3.org/2000/svg" width="${SIZE}" height="${SIZE}" viewBox="0 0 ${SIZE} ${SIZE}" role="img" aria-label="the ring: ${nodes.length} nodes placed by ID">`);
  parts.push(`<circle class="ring-circle" cx="${C}" cy="${C}" r="${R}"/>`);
  parts.push(`<line class="ring-zero" x1="${C}" y1="${C - R - 5}" x2="${C}" y2="${C - R + 5}"><title>ID 0; IDs grow clockwise</title></line>`);

  // Fingers first, so arcs and dots paint over them.
  for (const n of nodes) {
    if (!n.live) continue;
    const a = angle.get(n.nodeId)!;
    const s1 = n.expected.successors[0];
    const targets = [...new Set(n.expected.fingers.map((g) => g.nodeId))].filter((id) => id !== n.nodeId && id !== s1 && angle.has(id));
    for (const t of targets) {
      parts.push(`<path class="finger" d="${chord(a, angle.get(t)!)}" marker-end="url(#rh-finger)"><title>${html(`${n.name} finger → ${byId.get(t)?.name ?? short(t)}`)}</title></path>`);
    }
  }
  for (const n of nodes) {
    const a = angle.get(n.nodeId)!;
    const s1 = expectedSuccessor(n, ring);
    if (n.live && s1 && s1 !== n.nodeId && angle.has(s1)) {
      parts.push(`<path class="succ" d="${arc(a, angle.get(s1)!)}" marker-end="url(#rh-succ)"><title>${html(`${n.name} S 1 → ${byId.get(s1)?.name ?? short(s1)} (oracle)`)}</title></path>`);
    }
    const seen = n.observed && 'successors' in n.observed ? n.observed.successors[0] : undefined;
    if (seen && seen !== s1) {
      const target = angle.get(seen);
      const title = `${n.name} reports S 1 = ${byId.get(seen)?.name ?? short(seen)}; the oracle says ${byId.get(s1 ?? '')?.name ?? short(s1)}`;
      if (target !== undefined && seen !== n.nodeId) parts.push(`<path class="seen-wrong" d="${chord(a, target)}" marker-end="url(#rh-seen)"><title>${html(title)}</title></path>`);
      else parts.push(`<circle class="seen-wrong-ring" cx="${f(at(a)[0])}" cy="${f(at(a)[1])}" r="${DOT + 4}"><title>${html(title)}</title></circle>`);
    }
  }
  const label = nodeLabels(nodes);
  let previous: number | undefined;
  let level = 0;
  for (const n of nodes) {
    const a = angle.get(n.nodeId)!;
    const [x, y] = at(a);
    const bad = n.observed && 'error' in n.observed;
    const cls = ['node', n.live ? 'live' : 'gone', bad ? 'silent' : ''].filter(Boolean).join(' ');
    const status = !n.live ? ' (stopped before the end)' : bad ? ` (did not answer: ${(n.observed as { error: string }).error})` : '';
    const text = label.get(n.nodeId)!;
    const inside = text.length <= 3 && nodes.length <= 24;
    // Neighbours closer than a label's height alternate between two radii; a dot that would
    // hide the one before it moves inward, tied to its place on the circle by a tick.
    const close = previous !== undefined && a - previous < 0.32;
    level = close ? (level + 1) % 2 : 0;
    const hidden = previous !== undefined && (a - previous) * R < 2 * DOT + 1;
    previous = a;
    const [dx, dy0] = hidden && level === 1 ? at(a, R - 2 * DOT - 4) : [x, y];
    if (dx !== x) parts.push(`<line class="node-tick" x1="${f(x)}" y1="${f(y)}" x2="${f(dx)}" y2="${f(dy0)}"/>`);
    parts.push(`<g class="${cls}${inside ? ' numbered' : ''}"><circle cx="${f(dx)}" cy="${f(dy0)}" r="${inside ? DOT : DOT - 2}"/><title>${html(`${n.name} ${n.nodeId} ${n.host}:${n.port}${status}`)}</title>`);
    if (inside) parts.push(`<text class="node-num" x="${f(dx)}" y="${f(dy0 + 3.5)}">${html(text)}</text>`);
    if (labels) {
      // Crowded neighbours take turns outside and inside the circle.
      const inward = level === 1;
      const [lx, ly] = at(a, inward ? R - DOT - (hidden ? 2 * DOT + 12 : 8) : R + DOT + 8);
      const side = inward ? -1 : 1;
      const anchor = side * Math.cos(a) > 0.35 ? 'start' : side * Math.cos(a) < -0.35 ? 'end' : 'middle';
      const dy = side * Math.sin(a) > 0.35 ? 9 : side * Math.sin(a) < -0.35 ? -1 : 4;
      const name = inside ? '' : `${html(clip(text, 14))} `;
      parts.push(`<text class="node-label" x="${f(lx)}" y="${f(ly + dy)}" text-anchor="${anchor}">${name}<tspan class="node-id">${short(n.nodeId).slice(0, 6)}</tspan></text>`);
    }
    parts.push('</g>');
  }
  parts.push(`<text class="ring-orient" x="4" y="${SIZE - 6}">ID 0 at the top tick, growing clockwise</text>`);
  parts.push(`<text class="ring-count" x="${C}" y="${C - 2}">${nodes.length} node${nodes.length === 1 ? '' : 's'}</text>`);
  parts.push(`<text class="ring-sub" x="${C}" y="${C + 14}">${html(clip(ring.artifact, 26))}</text>`);
  parts.push('</svg>');
  return parts.join('');
}

/** A node's row for the table beside the circle: expected and reported neighbours. */
export function neighbourRow(n: RingNodeJson, ring: RingFile, names: ReadonlyMap<string, string>): { p1: string; s1: string; seenP1: string; seenS1: string; agrees: boolean | undefined } {
  const name = (id: string | undefined): string => (id ? (names.get(id) ?? short(id)) : '—');
  const expectedS1 = expectedSuccessor(n, ring);
  if (!n.observed) return { p1: name(n.expected.predecessor), s1: name(expectedS1), seenP1: '', seenS1: '', agrees: undefined };
  if ('error' in n.observed) return { p1: name(n.expected.predecessor), s1: name(expectedS1), seenP1: 'no answer', seenS1: 'no answer', agrees: false };
  const o = n.observed;
  return {
    p1: name(n.expected.predecessor),
    s1: name(expectedS1),
    seenP1: name(o.predecessor),
    seenS1: name(o.successors[0]),
    agrees: o.predecessor === n.expected.predecessor && o.successors[0] === expectedS1,
  };
}
