// The requirement catalogue (spec/sosimple-requirements.md) read as data: every ID with its
// level, area, text and the draft sections it cites. Reports and the checker's severities
// come from here, so the markdown stays the one place a rule is written.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Severity } from '../sip/types';

export type Level = 'MUST' | 'SHOULD' | 'MAY';

export interface Requirement {
  id: string;
  area: string;
  level: Level;
  text: string;
  /** Section references the text cites, e.g. `§6.3.2`, `-02 §7.3.1`, `RFC 3261 §10.3`. */
  sections: string[];
  /** The capability a target must claim for the rule to apply, if any. */
  capability?: string;
  observable: boolean;
  decision: boolean;
}

// From source (harness/catalogue) the project root is two folders up; compiled (dist/harness/catalogue), three.
export const CATALOGUE_PATH = [join(__dirname, '..', '..', 'spec', 'sosimple-requirements.md'), join(__dirname, '..', '..', '..', 'spec', 'sosimple-requirements.md')].find((p) => existsSync(p)) ?? join(__dirname, '..', '..', 'spec', 'sosimple-requirements.md');

const ENTRY_RE = /^- \*\*(SOS-([A-Z]+)-\d+) (MUST|SHOULD|MAY)\*\*\s*(.*)$/;

/** Parses the catalogue's markdown. Throws with the line number on an entry it cannot read. */
export function parseCatalogue(markdown: string): Requirement[] {
  const out: Requirement[] = [];
  const lines = markdown.split('\n');
  let current: { id: string; area: string; level: Level; text: string[] } | undefined;
  const flush = (): void => {
    if (!current) return;
    const text = current.text.join(' ').replace(/\s+/g, ' ').trim();
    const capability = /\(capability `([a-z-]+)`\)/.exec(text)?.[1];
    const sections = [...text.matchAll(/(?:(?:RFC \d+|-0\d) )?§\d+(?:\.\d+)*/g)].map((m) => m[0]);
    const req: Requirement = {
      id: current.id,
      area: current.area,
      level: current.level,
      text,
      sections: [...new Set(sections)],
      observable: !text.includes('*(not observable)*'),
      decision: text.includes('*Decision'),
    };
    if (capability) req.capability = capability;
    out.push(req);
    current = undefined;
  };
  lines.forEach((line, i) => {
    const m = ENTRY_RE.exec(line);
    if (m) {
      flush();
      current = { id: m[1]!, area: m[2]!, level: m[3] as Level, text: [m[4]!] };
    } else if (line.startsWith('- **SOS-')) {
      throw new Error(`${CATALOGUE_PATH}:${i + 1}: cannot read the requirement entry "${line.slice(0, 60)}"`);
    } else if (current && /^\s+\S/.test(line)) {
      current.text.push(line.trim());
    } else {
      flush();
    }
  });
  flush();
  return out;
}

let cached: Map<string, Requirement> | undefined;

/** The catalogue of this checkout, by ID. */
export function catalogue(): Map<string, Requirement> {
  if (!cached) cached = new Map(parseCatalogue(readFileSync(CATALOGUE_PATH, 'utf8')).map((r) => [r.id, r]));
  return cached;
}

export function requirement(id: string): Requirement {
  const r = catalogue().get(id);
  if (!r) throw new Error(`unknown requirement ID ${id}: it is not in ${CATALOGUE_PATH}`);
  return r;
}

/** MUST → error, SHOULD and MAY → warning. */
export function severityOf(id: string): Severity {
  return requirement(id).level === 'MUST' ? 'error' : 'warning';
}
