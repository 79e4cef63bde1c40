// Reading a run's evidence and the catalogue's area titles from disk (the I/O edge of the
// report; everything after this is pure). A broken evidence file becomes a warning in
// results.json naming the file and field; Jest's results and results.json are required.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CATALOGUE_PATH } from '../catalogue/catalogue';
import { EvidenceError, RING_FORMAT, readRingFile, readTraceFile, readWindowsFile, TRACE_FORMAT, WINDOWS_FOLDER, WINDOWS_FORMAT, type RingFile } from './evidence';
import type { Evidence, TraceEvidence } from './results';

/** A report input that cannot be used at all: its message names the file (and field). */
export class ReportInputError extends Error {
  override name = 'ReportInputError';
}

export function readJsonFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ReportInputError(`${file}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new ReportInputError(`${file}: not valid JSON (${(e as Error).message})`);
  }
}

function formatOf(json: unknown): unknown {
  return typeof json === 'object' && json !== null ? (json as { format?: unknown }).format : undefined;
}

/**
 * Reads `<artifactsDir>/evidence/*.json` and every `<artifactsDir>/<name>/trace.json` with its
 * ring.json. Files of another format (another tool's ring.json, say) are passed over silently.
 */
export function loadEvidence(artifactsDir: string): Evidence {
  const evidence: Evidence = { windows: [], traces: [], warnings: [] };
  if (!existsSync(artifactsDir)) {
    evidence.warnings.push(`${artifactsDir}: the artifacts folder does not exist, so no check has a message trace`);
    return evidence;
  }
  const attempt = <T>(file: string, read: () => T): T | undefined => {
    try {
      return read();
    } catch (e) {
      if (e instanceof EvidenceError || e instanceof ReportInputError) evidence.warnings.push(e.message);
      else throw e;
      return undefined;
    }
  };
  const windowsDir = join(artifactsDir, WINDOWS_FOLDER);
  if (existsSync(windowsDir)) {
    for (const name of readdirSync(windowsDir).filter((f) => f.endsWith('.json')).sort()) {
      const file = join(windowsDir, name);
      const w = attempt(file, () => {
        const json = readJsonFile(file);
        return formatOf(json) === WINDOWS_FORMAT ? readWindowsFile(file, json) : undefined;
      });
      if (w) evidence.windows.push(w);
    }
  }
  for (const name of readdirSync(artifactsDir).sort()) {
    const dir = join(artifactsDir, name);
    const traceFile = join(dir, 'trace.json');
    if (!statSync(dir).isDirectory() || !existsSync(traceFile)) continue;
    const trace = attempt(traceFile, () => {
      const json = readJsonFile(traceFile);
      return formatOf(json) === TRACE_FORMAT ? readTraceFile(traceFile, json) : undefined;
    });
    if (!trace) continue;
    const ringPath = join(dir, 'ring.json');
    let ring: RingFile | undefined;
    if (existsSync(ringPath)) {
      ring = attempt(ringPath, () => {
        const json = readJsonFile(ringPath);
        return formatOf(json) === RING_FORMAT ? readRingFile(ringPath, json) : undefined;
      });
    }
    const entry: TraceEvidence = { dir, trace, files: readdirSync(dir).sort() };
    if (ring) entry.ring = ring;
    evidence.traces.push(entry);
  }
  return evidence;
}

/** The catalogue's sections as areas: `## 6. User registration and lookup (SOS-REG, SOS-LOOKUP)`. */
export function parseAreaTitles(markdown: string): { area: string; title: string }[] {
  const out: { area: string; title: string }[] = [];
  for (const line of markdown.split('\n')) {
    const m = /^##\s+\d+\.\s+(.+?)\s+\(((?:SOS-[A-Z]+(?:,\s*)?)+)\)/.exec(line);
    if (!m) continue;
    for (const id of m[2]!.split(',')) out.push({ area: id.trim().replace(/^SOS-/, ''), title: m[1]! });
  }
  return out;
}

export function areaTitles(): { area: string; title: string }[] {
  return parseAreaTitles(readFileSync(CATALOGUE_PATH, 'utf8'));
}

/** This tool's name and version, from the package.json above this module. */
export function toolInfo(): { name: string; version: string } {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'sosimple-conformance') return { name: pkg.name, version: pkg.version ?? '0.0.0' };
    }
    if (dirname(dir) === dir) return { name: 'sosimple-conformance', version: 'unknown' };
  }
}
