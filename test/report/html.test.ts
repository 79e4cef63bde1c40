import { catalogue } from '../../harness/catalogue/catalogue';
import { arrowLabel, clipMiddle, ladderSvg, lifelines } from '../../harness/report/html/ladder';
import { messageDetail, messageLines } from '../../harness/report/html/message';
import { inlineMarkdown, renderHtml } from '../../harness/report/html/page';
import { nodeLabels, ringAngle, ringSvg } from '../../harness/report/html/ring-figure';
import { areaTitles } from '../../harness/report/load';
import { buildResults, type Results } from '../../harness/report/results';
import { DHT_NODEID_LINE, NODES, ROOT, alphaRing, alphaTrace, alphaWindows, jestResults } from './fixtures';

function results(targets = [{ name: 'ref', path: 'targets/reference.yaml' }]): Results {
  return buildResults({
    jest: jestResults(),
    evidence: { windows: [alphaWindows()], traces: [{ dir: `${ROOT}/artifacts/suite-alpha`, trace: alphaTrace(), ring: alphaRing(), files: ['trace.pcap', 'trace.txt', 'ref-1.log'] }], warnings: [] },
    catalogue: catalogue(),
    areas: areaTitles(),
    targets,
    driver: 'process',
    outDir: `${ROOT}/reports`,
    rootDir: ROOT,
    tool: { name: 'sosimple-conformance', version: '1' },
  });
}

describe('index.html', () => {
  const r = results();
  const page = renderHtml(r);

  it('is self-contained: no external script, style, image or font', () => {
    expect(page).not.toMatch(/<(script|img|link|iframe)\b[^>]*\b(src|href)=/i);
    expect(page).not.toMatch(/url\((?!#)/);
    expect(page).not.toMatch(/@import/);
    expect(page).toMatch(/^<!doctype html>/);
  });

  it('opens with the overall verdict and the verdict by requirement area', () => {
    const verdict = page.indexOf('id="verdict"');
    const areas = page.indexOf('id="areas"');
    const firstCheck = page.indexOf('id="check-1"');
    expect(verdict).toBeGreaterThan(0);
    expect(areas).toBeGreaterThan(verdict);
    expect(firstCheck).toBeGreaterThan(areas);
    expect(page).toContain('Not every applicable MUST passed: 2 applicable MUST checks failed, 1 suite could not run');
    expect(page).toMatch(/<span class="area-code">JOIN<\/span>Node join<\/td><td class="num" title="SOS-JOIN-1, SOS-JOIN-4, SOS-JOIN-2">3<\/td><td class="num">4<\/td><td class="num">1<\/td><td class="num">3<\/td>/);
  });

  it('shows every check with its ID, level, requirement text, cited section and status; failures open', () => {
    for (const c of r.checks) expect(page).toContain(`id="${c.id}" data-status="${c.status}"`);
    expect(page).toMatch(/<details class="check st-failed" id="check-2" data-status="failed" open>/);
    expect(page).toContain(`<span class="cite">${catalogue().get('SOS-JOIN-1')!.sections.join(', ')}</span>`);
    expect(page).toContain('Not applicable: target ref does not claim presence');
    expect(page).toContain('href="../artifacts/suite-alpha/trace.pcap"');
    expect(page).toContain('href="../artifacts/suite-alpha/ref-1.log"');
  });

  it('stores a ladder once per distinct set of messages and each raw message once', () => {
    const ladders = [...page.matchAll(/<template id="(ladder-\d+)">/g)].map((m) => m[1]);
    expect(ladders).toEqual(['ladder-1', 'ladder-2']);
    expect(page.match(/<template id="m-suite-alpha-1">/g)).toHaveLength(1);
    // The messages of the shared set-up are referenced by every check that falls back to them.
    expect(page.match(/data-ladder="ladder-2"/g)!.length).toBeGreaterThan(1);
  });

  it('caps a long ladder with a note pointing to the whole trace', () => {
    const capped = renderHtml(r, { maxLadderMessages: 1 });
    expect(capped).toContain('The first 1 of 2 messages are drawn; the whole trace is in <a href="../artifacts/suite-alpha/trace.txt">trace.txt</a>');
  });

  it('draws the interop matrix only when the run had several targets', () => {
    expect(page).not.toContain('id="interop"');
    const two = renderHtml(results([{ name: 'ref', path: 'a' }, { name: 'other', path: 'b' }]));
    expect(two).toMatch(/<table class="matrix" id="interop">.*<tr><th>ref<\/th><td class="cell"><span class="n">—<\/span><\/td><td class="cell"><span class="p">1 ✓<\/span><\/td><\/tr>/s);
    expect(two).toMatch(/<tr><th>other<\/th><td class="cell"><span class="f">1 ✗<\/span><\/td>/);
  });

  it('renders the catalogue\'s inline markdown safely', () => {
    expect(inlineMarkdown('a `DHT-Link` *Decision* <b>')).toBe('a <code>DHT-Link</code> <em>Decision</em> &lt;b&gt;');
  });
});

describe('ladder diagram', () => {
  const r = results();
  const messages = r.traces['suite-alpha']!.messages;

  it('has the harness lifelines first, then ring nodes in ring order', () => {
    const order = [...NODES].sort((a, b) => a.nodeId.localeCompare(b.nodeId)).map((n) => n.name);
    const lanes = lifelines(messages, order).map((l) => l.name);
    expect(lanes[0]).toBe('harness');
    expect(lanes.slice(1)).toEqual(order);
  });

  it('draws one arrow per message in order, labelled with its start line, marked by its worst finding', () => {
    const svg = ladderSvg(messages.slice(2, 4), { messageId: (m) => `m-${m.seq}` });
    const arrows = [...svg.matchAll(/<g class="([^"]+)" data-msg="(m-\d+)"/g)].map((m) => [m[2], m[1]]);
    expect(arrows).toEqual([
      ['m-3', 'msg msg-out'],
      ['m-4', 'msg msg-in sev-error'],
    ]);
    expect(svg).toContain('>REGISTER 10.0.0.3<');
    expect(svg).toContain('>✖ 200 OK<');
    expect(svg.indexOf('m-3')).toBeLessThan(svg.indexOf('m-4'));
    expect(arrowLabel('SIP/2.0 302 Moved Temporarily')).toBe('302 Moved Temporarily');
    expect(arrowLabel('INVITE sips:alice@example.com SIP/2.0')).toBe('INVITE alice@example.com');
    expect(clipMiddle('joiner-reference-12', 12)).toBe('joine…nce-12');
  });

  it('shows a raw message with the line at fault highlighted and a caret under the column', () => {
    const m = messages.find((x) => x.seq === 4)!;
    const detail = messageDetail(m);
    const raw = /<pre class="raw">(.*?)<\/pre>/s.exec(detail)![1]!;
    const gutter = /<pre class="gutter">(.*?)<\/pre>/s.exec(detail)![1]!.split('\n');
    // Plain lines end in a newline, the line at fault and its notes are blocks of their own.
    const rows = raw.split(/\n|(?=<span class="(?:hl|note) )|(?<=<\/span>)(?=[^<\n])/).filter((r) => r !== '');
    const at = rows.findIndex((r) => r.startsWith('<span class="hl hl-error">'));
    expect(rows[at]).toMatch(/^<span class="hl hl-error">DHT-NodeID: rsa-sha1 <mark class="at at-error">9<\/mark>0B8/);
    expect(gutter[at]).toBe(String(DHT_NODEID_LINE));
    expect(rows[at + 1]).toMatch(new RegExp(`^<span class="note sev-error"> {21}\\^ SOS-ID-1 error at 9:22`));
    expect(gutter[at + 1]).toBe('');
    // One gutter entry per rendered row: each newline and each block ends a row.
    expect(gutter).toHaveLength((raw.match(/\n/g) ?? []).length + (raw.match(/<span class="(?:hl|note) /g) ?? []).length);
    expect(detail).toMatch(/read as answer to REGISTER node-query, query-ok/);
    expect(messageLines('A\r\nB\r\n\r\nbody1\nbody2\n').map((l) => [l.text, l.body])).toEqual([
      ['A', false],
      ['B', false],
      ['', false],
      ['body1', true],
      ['body2', true],
    ]);
    expect(messageDetail({ ...m, raw: 'X: \u0001\r\n', findings: [] })).toContain('<span class="ctl">\\x01</span>');
  });
});

describe('ring figure', () => {
  it('places nodes by ID clockwise from the top', () => {
    expect(ringAngle('0'.repeat(40))).toBeCloseTo(-Math.PI / 2);
    expect(ringAngle('4'.padEnd(40, '0'))).toBeCloseTo(0);
    expect(ringAngle('8'.padEnd(40, '0'))).toBeCloseTo(Math.PI / 2);
  });

  it('draws every node, the oracle\'s successor arcs, fingers hidden by default, and a reported successor that differs', () => {
    const svg = ringSvg(alphaRing());
    expect(svg.match(/<g class="node /g)).toHaveLength(3);
    expect(svg.match(/class="succ"/g)).toHaveLength(3);
    expect(svg).toMatch(/class="seen-wrong(-ring)?"/);
    expect(svg).toContain('ref-3 reports S 1 = ref-3');
    expect(svg).toContain('>3 nodes<');
  });

  it('labels nodes by the part of their names that differs', () => {
    expect([...nodeLabels([{ nodeId: 'a', name: 'reference-1' }, { nodeId: 'b', name: 'reference-12' }]).values()]).toEqual(['1', '12']);
    expect([...nodeLabels([{ nodeId: 'a', name: 'reference-1' }, { nodeId: 'b', name: 'other-1' }]).values()]).toEqual(['reference-1', 'other-1']);
  });
});
