// index.html: one self-contained page (inline style, script and SVG; nothing fetched). It
// opens with the verdict by requirement area, then every check grouped by suite file with its
// requirement, its message trace as a ladder and the suite's ring as a circle.

import type { CheckEntry, MessageEntry, Results, SuiteEntry } from '../results';
import { clip, html } from '../text';
import { SCRIPT, STYLE } from './assets';
import { ladderMarkers, ladderSvg } from './ladder';
import { messageDetail } from './message';
import { neighbourRow, nodeLabels, ringMarkers, ringSvg } from './ring-figure';

export interface HtmlOptions {
  /** Messages drawn per ladder before the rest is left to trace.txt / trace.pcap. */
  maxLadderMessages?: number;
}

export const DEFAULT_MAX_LADDER = 150;

const STATUS_TEXT: Record<CheckEntry['status'], string> = { passed: 'passed', failed: 'failed', 'not-applicable': 'n/a' };

/** Inline markdown of the catalogue's text: `code`, **strong**, *emphasis*. */
export function inlineMarkdown(text: string): string {
  return html(text)
    .replace(/`([^`]+)`/g, '<code>$1</code>')
    .replace(/\*\*([^*]+)\*\*/g, '<b>$1</b>')
    .replace(/\*([^*\s][^*]*)\*/g, '<em>$1</em>');
}

export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function safeId(text: string): string {
  return text.replace(/[^A-Za-z0-9_-]+/g, '-');
}

/** The title without the requirement ID in front and the not-applicable note behind. */
function shortTitle(c: CheckEntry): string {
  let t = c.title.replace(/\s*\[not applicable: [^\]]*\]\s*$/, '');
  if (c.requirementId && t.startsWith(c.requirementId)) t = t.slice(c.requirementId.length).trim();
  return t;
}

class Page {
  private readonly ladders = new Map<string, { id: string; trace: string; seqs: number[]; total: number }>();
  private readonly messages = new Map<string, { trace: string; seq: number }>();
  private readonly byTrace = new Map<string, Map<number, MessageEntry>>();
  private readonly max: number;

  constructor(
    private readonly r: Results,
    options: HtmlOptions,
  ) {
    this.max = options.maxLadderMessages ?? DEFAULT_MAX_LADDER;
    for (const [name, t] of Object.entries(r.traces)) this.byTrace.set(name, new Map(t.messages.map((m) => [m.seq, m])));
  }

  messageId(trace: string, seq: number): string {
    return `m-${safeId(trace)}-${seq}`;
  }

  /** Registers the ladder a check needs (shared when another check has the same messages). */
  private ladderFor(c: CheckEntry): { id: string; total: number; shown: number } | undefined {
    const trace = c.messages.trace;
    if (!trace || c.messages.seqs.length === 0 || !this.byTrace.has(trace)) return undefined;
    const key = `${trace}|${c.messages.seqs.join(',')}`;
    let l = this.ladders.get(key);
    if (!l) {
      l = { id: `ladder-${this.ladders.size + 1}`, trace, seqs: c.messages.seqs.slice(0, this.max), total: c.messages.seqs.length };
      this.ladders.set(key, l);
      for (const seq of l.seqs) this.messages.set(this.messageId(trace, seq), { trace, seq });
    }
    return { id: l.id, total: l.total, shown: l.seqs.length };
  }

  render(): string {
    const r = this.r;
    const targets = r.targets.map((t) => t.name).join(' × ') || 'unknown target';
    const body = [
      this.header(),
      '<main>',
      this.verdictTable(),
      this.failedList(),
      this.interop(),
      this.checks(),
      this.warnings(),
      '</main>',
      `<footer>${html(r.tool.name)} ${html(r.tool.version)} · results.json holds everything shown here · junit.xml for CI</footer>`,
      // Rendered (not display:none) so arrowheads paint wherever a ladder or ring is shown.
      `<svg width="0" height="0" style="position:absolute" aria-hidden="true"><defs>${ladderMarkers()}${ringMarkers()}</defs></svg>`,
      this.templates(),
      `<script>${SCRIPT}</script>`,
    ];
    return [
      '<!doctype html>',
      '<html lang="en"><head><meta charset="utf-8">',
      '<meta name="viewport" content="width=device-width, initial-scale=1">',
      `<title>SOSIMPLE conformance: ${html(targets)}: ${r.summary.verdict === 'pass' ? 'pass' : 'fail'}</title>`,
      `<style>${STYLE}</style></head><body>`,
      ...body,
      '</body></html>',
      '',
    ].join('\n');
  }

  private header(): string {
    const r = this.r;
    const s = r.summary;
    const targets = r.targets.length
      ? r.targets.map((t) => `<b>${html(t.name)}</b> <span class="mono">(${html(t.path)})</span>`).join(', ')
      : '<b>unknown</b>';
    const started = r.started.replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
    const meta = [
      `${r.targets.length > 1 ? 'targets' : 'target'} ${targets}`,
      `driver <b>${html(r.driver)}</b>`,
      `started ${html(started)}`,
      `took ${html(duration(r.durationMs))}`,
      `${plural(r.suites.length, 'suite')}, ${plural(s.total, 'check')}: ${s.passed} passed, ${s.failed} failed, ${s.notApplicable} not applicable`,
    ];
    const mark = s.verdict === 'pass' ? '✔' : '✖';
    const tile = (n: number, label: string, cls: string): string => `<div class="tile ${n ? cls : 'none'}"><b>${n}</b><span>${label}</span></div>`;
    return [
      '<header class="top"><div class="head-main">',
      '<h1>SOSIMPLE conformance report</h1>',
      `<p class="meta">${meta.join(' · ')}</p>`,
      `<div class="verdict ${s.verdict}" id="verdict"><span class="mark">${mark}</span>${html(s.verdictText)}</div>`,
      `</div><div class="tiles">${tile(s.passed, 'passed', 'passed')}${tile(s.failed, 'failed', 'failed')}${tile(s.notApplicable, 'not applicable', 'na')}</div>`,
      '</header>',
    ].join('\n');
  }

  private verdictTable(): string {
    const s = this.r.summary;
    const num = (n: number): string => `<td class="num${n === 0 ? ' zero' : ''}">${n}</td>`;
    const rows = s.byArea.map((a) => {
      const verdict = a.verdict === 'pass' ? (a.shouldFailed ? 'pass (SHOULD failed)' : 'pass') : a.verdict === 'fail' ? 'fail' : 'not run';
      return `<tr><td><span class="area-code">${html(a.area)}</span>${html(a.title)}</td><td class="num${a.requirements.length ? '' : ' zero'}" title="${html(a.requirements.join(', '))}">${a.requirements.length}</td>${num(a.checks)}${num(a.passed)}${num(a.failed)}${num(a.notApplicable)}<td><span class="pill ${a.verdict}">${html(verdict)}</span></td></tr>`;
    });
    const reqs = s.byArea.reduce((n, a) => n + a.requirements.length, 0);
    rows.push(`<tr class="total"><td>All areas</td><td class="num">${reqs}</td>${num(s.total)}${num(s.passed)}${num(s.failed)}${num(s.notApplicable)}<td><span class="pill ${s.verdict}">${s.verdict}</span></td></tr>`);
    return [
      '<h2>Verdict by requirement area</h2>',
      '<table class="areas" id="areas"><thead><tr><th>Area</th><th class="num">Requirements</th><th class="num">Checks</th><th class="num">Passed</th><th class="num">Failed</th><th class="num">Not applicable</th><th>Verdict</th></tr></thead>',
      `<tbody>${rows.join('')}</tbody></table>`,
    ].join('\n');
  }

  private failedList(): string {
    const failed = this.r.checks.filter((c) => c.status === 'failed');
    const notRun = this.r.suites.filter((s) => s.status === 'not-run');
    if (failed.length === 0 && notRun.length === 0) return '';
    const items = [
      ...notRun.map((s) => `<li><span class="pill not-run">not run</span> <a href="#${html(this.suiteAnchor(s.file))}" class="mono">${html(s.file)}</a>: ${html(clip(s.error ?? '', 160))}</li>`),
      ...failed.map(
        (c) =>
          `<li><span class="lvl ${c.level ?? ''}">${c.level ?? '?'}</span> <a href="#${c.id}"><span class="rid">${html(c.requirementId ?? '(no ID)')}</span></a> ${html(shortTitle(c))} <span class="mono" style="color:var(--faint)">${html(c.suite)}</span></li>`,
      ),
    ];
    return `<h2>Failures<span class="count">${failed.length + notRun.length}</span></h2><ul class="failed-list">${items.join('')}</ul>`;
  }

  private interop(): string {
    const m = this.r.interop;
    if (!m) return '';
    const head = m.targets.map((t) => `<th class="num">${html(t)}</th>`).join('');
    const rows = m.targets.map((a) => {
      const cells = m.targets.map((b) => {
        const c = m.cells.find((x) => x.a === a && x.b === b);
        if (!c) return '<td class="cell"><span class="n">—</span></td>';
        const parts = [c.passed ? `<span class="p">${c.passed} ✓</span>` : '', c.failed ? `<span class="f">${c.failed} ✗</span>` : '', c.notApplicable ? `<span class="n">${c.notApplicable} n/a</span>` : ''];
        return `<td class="cell">${parts.filter(Boolean).join(' ')}</td>`;
      });
      return `<tr><th>${html(a)}</th>${cells.join('')}</tr>`;
    });
    return [
      '<h2>Interop matrix<span class="count">rows: the first node of each pair; columns: the second</span></h2>',
      `<table class="matrix" id="interop"><thead><tr><th></th>${head}</tr></thead><tbody>${rows.join('')}</tbody></table>`,
    ].join('\n');
  }

  private suiteAnchor(file: string): string {
    return `suite-${safeId(file.replace(/^suites\//, '').replace(/\.test\.ts$/, ''))}`;
  }

  private checks(): string {
    const r = this.r;
    const counts = { all: r.checks.length, failed: r.summary.failed, passed: r.summary.passed, 'not-applicable': r.summary.notApplicable };
    const radio = (value: keyof typeof counts, label: string): string =>
      `<label><input type="radio" name="status" value="${value}"${value === 'all' ? ' checked' : ''}> ${label} (${counts[value]})</label>`;
    const toolbar = `<div class="toolbar">Show: ${radio('all', 'all')} ${radio('failed', 'failed')} ${radio('passed', 'passed')} ${radio('not-applicable', 'not applicable')}</div>`;
    const suites = r.suites.map((s) => this.suite(s));
    // Checks whose file has no suite entry (a hand-edited results.json) still show.
    const known = new Set(r.suites.map((s) => s.file));
    const orphans = r.checks.filter((c) => !known.has(c.suite));
    if (orphans.length) suites.push(`<section class="suite"><div class="checks">${orphans.map((c) => this.check(c)).join('')}</div></section>`);
    return [`<h2>Checks<span class="count">${plural(r.checks.length, 'check')} in ${plural(r.suites.length, 'suite')}</span></h2>`, toolbar, ...suites].join('\n');
  }

  private suite(s: SuiteEntry): string {
    const checks = this.r.checks.filter((c) => c.suite === s.file);
    const status = s.status === 'not-run' ? 'not-run' : s.status;
    const rings = s.artifacts.map((a) => this.ring(a)).filter(Boolean);
    return [
      `<section class="suite" id="${html(this.suiteAnchor(s.file))}">`,
      `<div class="suite-title"><span class="pill ${status}">${status === 'not-run' ? 'not run' : status}</span><span class="file">${html(s.file)}</span><span class="sub">${plural(checks.length, 'check')} · ${html(duration(s.durationMs))}</span></div>`,
      s.error ? `<pre class="suite-error">${html(s.error)}</pre>` : '',
      `<div class="suite-body"><div class="checks">${checks.map((c) => this.check(c)).join('')}</div>`,
      rings.length ? `<div class="rings">${rings.join('')}</div>` : '',
      '</div></section>',
    ].join('\n');
  }

  private ring(artifact: string): string {
    const ring = this.r.rings[artifact];
    const trace = this.r.traces[artifact];
    if (!ring) return '';
    const names = nodeLabels(ring.nodes);
    const nodes = [...ring.nodes].sort((a, b) => a.nodeId.localeCompare(b.nodeId));
    const observed = nodes.some((n) => n.observed);
    const rows = nodes.map((n) => {
      const row = neighbourRow(n, ring, names);
      const said =
        row.agrees === undefined ? '' : row.agrees ? '<td class="ok">✓ same</td>' : row.seenS1 === 'no answer' ? '<td class="bad">no answer</td>' : `<td class="bad">P 1 ${html(row.seenP1)}, S 1 ${html(row.seenS1)}</td>`;
      return `<tr><td>${html(n.name)}${n.live ? '' : ' (gone)'}</td><td class="mono">${n.nodeId.slice(0, 8)}</td><td>${html(row.p1)}</td><td>${html(row.s1)}</td>${observed ? said || '<td></td>' : ''}</tr>`;
    });
    const head = `<tr><th>Node</th><th>ID</th><th>P 1</th><th>S 1</th>${observed ? '<th title="what the node reported when queried for its own ID at the end">Node said</th>' : ''}</tr>`;
    const table = nodes.length <= 16 ? `<table class="nodes"><thead>${head}</thead><tbody>${rows.join('')}</tbody></table>` : `<details><summary>${nodes.length} nodes</summary><table class="nodes"><thead>${head}</thead><tbody>${rows.join('')}</tbody></table></details>`;
    const links = trace ? this.linkList(trace) : '';
    return [
      `<figure class="ring" id="ring-${html(safeId(artifact))}">`,
      `<figcaption><span><b>${html(artifact)}</b> · ${plural(nodes.length, 'node')}</span><span>${html([ring.target, ring.driver].filter(Boolean).join(' · '))}</span></figcaption>`,
      ringSvg(ring),
      '<div class="ring-tools"><span class="legend"><span><i></i>S 1 (oracle)</span><span><i class="seen"></i>S 1 said, differs</span></span>',
      '<label><input type="checkbox" class="fingers"> fingers <i style="display:inline-block;width:14px;border-top:1px solid #8250df;vertical-align:middle"></i></label></div>',
      table,
      links ? `<p class="artifacts">${links}</p>` : '',
      '</figure>',
    ].join('');
  }

  private linkList(l: { pcap?: string; text?: string; logs: { node: string; path: string }[] }): string {
    const parts: string[] = [];
    if (l.pcap) parts.push(`<a href="${html(l.pcap)}">trace.pcap</a>`);
    if (l.text) parts.push(`<a href="${html(l.text)}">trace.txt</a>`);
    if (l.logs.length) parts.push(`logs: ${l.logs.map((g) => `<a href="${html(g.path)}">${html(g.node)}</a>`).join(' ')}`);
    return parts.join(' · ');
  }

  private check(c: CheckEntry): string {
    const ladder = this.ladderFor(c);
    const facts: string[] = [];
    if (c.durationMs !== null) facts.push(`<span>${html(duration(c.durationMs))}</span>`);
    if (c.messages.seqs.length) facts.push(`<span title="${c.messages.window === 'set-up' ? 'messages of the set-up (beforeAll)' : 'messages while the test ran'}">${c.messages.seqs.length} msg${c.messages.seqs.length === 1 ? '' : 's'}${c.messages.window === 'set-up' ? ' (set-up)' : ''}</span>`);
    if (c.findings.errors) facts.push(`<span class="ferr" title="checker errors in its messages">✖ ${c.findings.errors}</span>`);
    if (c.findings.warnings) facts.push(`<span class="fwarn" title="checker warnings in its messages">⚠ ${c.findings.warnings}</span>`);
    const cite = c.sections.length ? `<span class="cite">${html(c.sections.join(', '))}</span>` : '';
    const req = c.requirementText
      ? `<p class="req">${cite}${inlineMarkdown(c.requirementText)}</p>`
      : `<p class="req">${c.requirementId ? `${html(c.requirementId)} is not in the requirement catalogue.` : 'This title names no requirement ID.'}</p>`;
    const parts = [
      `<details class="check st-${c.status}" id="${c.id}" data-status="${c.status}"${c.status === 'failed' ? ' open' : ''}>`,
      `<summary><span class="pill ${c.status}">${STATUS_TEXT[c.status]}</span><span class="rid">${html(c.requirementId ?? '—')}</span>${c.level ? `<span class="lvl ${c.level}">${c.level}</span>` : ''}<span class="ttl">${html(shortTitle(c))}</span><span class="facts">${facts.join('')}</span></summary>`,
      '<div class="check-body">',
      req,
      c.notApplicableReason !== undefined ? `<p class="na-reason">Not applicable: ${html(c.notApplicableReason)}</p>` : '',
      c.failureMessage ? `<pre class="failure">${html(c.failureMessage)}</pre>` : '',
    ];
    const links = this.linkList(c.links);
    if (links) parts.push(`<p class="links">${links}</p>`);
    if (ladder) {
      const where = c.messages.window === 'test' ? 'while the test ran' : 'in the set-up (beforeAll) of its describe block; the check judges what they returned';
      const sev = [c.findings.errors ? `${c.findings.errors} checker error${c.findings.errors === 1 ? '' : 's'}` : '', c.findings.warnings ? `${c.findings.warnings} warning${c.findings.warnings === 1 ? '' : 's'}` : ''].filter(Boolean).join(', ');
      parts.push(
        `<details class="trace" data-ladder="${ladder.id}"><summary>Message trace: ${plural(ladder.total, 'message')} ${where}${sev ? ` · ${sev}` : ''}</summary>`,
        ladder.shown < ladder.total ? `<p class="cap-note">The first ${ladder.shown} of ${ladder.total} messages are drawn; the whole trace is in ${c.links.text ? `<a href="${html(c.links.text)}">trace.txt</a> and ` : ''}${c.links.pcap ? `<a href="${html(c.links.pcap)}">trace.pcap</a>` : 'the artifacts'}.</p>` : '',
        '<div class="ladder-slot"></div><div class="msg-panel" hidden></div></details>',
      );
    } else if (c.status !== 'not-applicable') {
      parts.push('<p class="links">No message of the harness\'s trace falls in this check\'s window or its set-up.</p>');
    }
    parts.push('</div></details>');
    return parts.join('');
  }

  private warnings(): string {
    if (this.r.warnings.length === 0) return '';
    return `<h2>Report warnings<span class="count">${this.r.warnings.length}</span></h2><ul class="warnings">${this.r.warnings.map((w) => `<li>${html(w)}</li>`).join('')}</ul>`;
  }

  private templates(): string {
    const out: string[] = [];
    for (const l of this.ladders.values()) {
      const msgs = this.byTrace.get(l.trace)!;
      const ring = this.r.rings[l.trace];
      const ringOrder = ring ? [...ring.nodes].sort((a, b) => a.nodeId.localeCompare(b.nodeId)).map((n) => n.name) : [];
      const list = l.seqs.map((s) => msgs.get(s)).filter((m): m is MessageEntry => m !== undefined);
      out.push(`<template id="${l.id}">${ladderSvg(list, { ringOrder, messageId: (m) => this.messageId(l.trace, m.seq) })}</template>`);
    }
    for (const [id, { trace, seq }] of this.messages) {
      const m = this.byTrace.get(trace)?.get(seq);
      if (m) out.push(`<template id="${html(id)}">${messageDetail(m)}</template>`);
    }
    return out.join('\n');
  }
}

export function renderHtml(results: Results, options: HtmlOptions = {}): string {
  return new Page(results, options).render();
}
