// One message shown in full: where it went, the checker's findings, and the raw text with
// line numbers, the lines at fault highlighted and a caret under the column, as a compiler
// shows a diagnostic. Line numbers count CRLF-ended lines, as the codec's positions do.

import type { FindingEntry } from '../findings';
import type { MessageEntry } from '../results';
import { html } from '../text';

function endpointText(e: { host: string; port: number }): string {
  return e.host.includes(':') ? `[${e.host}]:${e.port}` : `${e.host}:${e.port}`;
}

/** The text with control characters (other than TAB) shown as `\xNN`, each in a span. */
function visible(line: string): string {
  return line
    .split(/([\x00-\x08\x0a-\x1f\x7f])/)
    .map((part, i) => (i % 2 === 1 ? `<span class="ctl">\\x${part.charCodeAt(0).toString(16).padStart(2, '0')}</span>` : html(part)))
    .join('');
}

function markColumn(line: string, column: number, severity: string): string {
  const i = Math.max(0, Math.min(line.length, column - 1));
  const ch = line.slice(i, i + 1);
  const marked = ch === '' ? `<mark class="at at-${severity}"> </mark>` : `<mark class="at at-${severity}">${visible(ch)}</mark>`;
  return visible(line.slice(0, i)) + marked + visible(line.slice(i + 1));
}

function findingText(f: FindingEntry): string {
  return `${f.requirement} ${f.severity} at ${f.line}:${f.column}: ${f.message}; expected ${f.expected}, found ${f.found}`;
}

/** The lines of a message: the header part split at CRLF, the body at any line end. */
export function messageLines(raw: string): { text: string; body: boolean }[] {
  const end = raw.indexOf('\r\n\r\n');
  const head = end < 0 ? raw : raw.slice(0, end);
  const body = end < 0 ? '' : raw.slice(end + 4);
  const lines = head.split('\r\n').map((text) => ({ text, body: false }));
  if (end >= 0) {
    lines.push({ text: '', body: false });
    if (body !== '') lines.push(...body.replace(/\r?\n$/, '').split(/\r?\n/).map((text) => ({ text, body: true })));
  }
  return lines;
}

export function messageDetail(m: MessageEntry): string {
  const [from, to] = m.direction === 'out' ? [m.node, m.peer] : [m.peer, m.node];
  const [src, dst] = m.direction === 'out' ? [m.local, m.remote] : [m.remote, m.local];
  const meta = [
    `<b>#${m.seq}</b>`,
    html(m.time),
    `${html(from)} → ${html(to)}`,
    `${m.transport.toUpperCase()} ${html(endpointText(src))} → ${html(endpointText(dst))}`,
    m.direction === 'out' ? 'sent by the harness (not judged)' : m.reading ? `read as ${html(m.reading)}` : 'not judged (a retransmission, or from the harness itself)',
    m.retransmission ? 'retransmission' : '',
    m.encoding === 'latin1' ? 'not valid UTF-8: shown byte for byte' : '',
  ].filter(Boolean);
  const byLine = new Map<number, FindingEntry[]>();
  for (const f of m.findings) byLine.set(f.line, [...(byLine.get(f.line) ?? []), f]);
  // The numbers sit in a gutter of their own so that a plain line costs no markup; a line at
  // fault and each note under it are blocks (they end their own line, so no newline follows).
  const gutter: string[] = [];
  let text = '';
  messageLines(m.raw).forEach((line, i) => {
    const n = i + 1;
    const here = line.body ? [] : (byLine.get(n) ?? []).sort((a, b) => a.column - b.column);
    gutter.push(line.body ? '' : String(n));
    if (here.length === 0) {
      text += `${visible(line.text)}\n`;
      return;
    }
    const worst = here.some((f) => f.severity === 'error') ? 'error' : 'warning';
    text += `<span class="hl hl-${worst}">${markColumn(line.text, here[0]!.column, here[0]!.severity)}</span>`;
    for (const f of here) {
      gutter.push('');
      text += `<span class="note sev-${f.severity}">${' '.repeat(Math.max(0, f.column - 1))}^ ${html(findingText(f))}</span>`;
    }
  });
  // Findings on lines the message does not have (a missing header is reported at 1:1) stay listed above.
  const list = m.findings.length
    ? `<ul class="findings">${m.findings.map((f) => `<li class="sev-${f.severity}">${html(findingText(f))}</li>`).join('')}</ul>`
    : m.direction === 'in' && m.reading
      ? '<p class="clean">The checker found nothing to report.</p>'
      : '';
  return `<div class="msg-detail"><div class="msg-meta">${meta.join(' · ')}</div>${list}<div class="raw-wrap"><pre class="gutter">${gutter.join('\n')}</pre><pre class="raw">${text}</pre></div></div>`;
}
