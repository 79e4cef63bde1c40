import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as nodePath from 'path';
import {
  FixtureError,
  PARSE_ERROR_CODES,
  TORTURE_ROLES,
  loadTortureFixtures,
  parseTortureFixture,
  type TortureFixture,
} from './torture';

const META = 'description: d\nverdict: valid\nparse: ok\nfindings: none\n';
const P = 'fixtures/torture/x.sip';

/** A fixture text with the standard valid meta and the given message lines. */
const withMessage = (...lines: string[]): string => `${META}---\n${lines.join('\n')}\n`;
const bytesOf = (text: string): string => Buffer.from(parseTortureFixture(text, P).bytes).toString('latin1');

function errorOf(text: string, path = P): FixtureError {
  try {
    parseTortureFixture(text, path);
  } catch (e) {
    if (e instanceof FixtureError) return e;
    throw e;
  }
  throw new Error('expected a FixtureError');
}

/** Asserts the error's path, line and reason, and that the message is `path:line: reason`. */
function expectError(text: string, line: number, reason: RegExp): void {
  const e = errorOf(text);
  expect(e).toBeInstanceOf(Error);
  expect(e.name).toBe('FixtureError');
  expect(e.path).toBe(P);
  expect(e.line).toBe(line);
  expect(e.reason).toMatch(reason);
  expect(e.message).toBe(`${P}:${line}: ${e.reason}`);
}

describe('parseTortureFixture: meta', () => {
  it('reads the meta lines and derives the name from the path', () => {
    const f = parseTortureFixture(
      'description:  A folded Subject (RFC 3261 §7.3.1).  \nverdict: invalid\nparse: ok\n' +
        'findings: SOS-WIRE-1,SOS-ID-1 , SOS-JOIN-9\nwarnings: SOS-WIRE-7\nrole: join-ok\ntransport: tcp\n---\nX\n',
      'a/b/folded-subject.sip',
    );
    expect(f).toMatchObject({
      path: 'a/b/folded-subject.sip',
      name: 'folded-subject',
      description: 'A folded Subject (RFC 3261 §7.3.1).',
      verdict: 'invalid',
      parse: 'ok',
      findings: ['SOS-WIRE-1', 'SOS-ID-1', 'SOS-JOIN-9'],
      warnings: ['SOS-WIRE-7'],
      role: 'join-ok',
      transport: 'tcp',
    });
  });

  it('defaults transport to udp and leaves warnings and role out when absent', () => {
    const f = parseTortureFixture(withMessage('X'), P);
    expect(f.transport).toBe('udp');
    expect(f.findings).toEqual([]);
    expect('warnings' in f).toBe(false);
    expect('role' in f).toBe(false);
  });

  it('accepts "warnings: none", blank meta lines and every parse code', () => {
    expect(parseTortureFixture(`${META}\nwarnings: none\n---\nX\n`, P).warnings).toEqual([]);
    for (const code of PARSE_ERROR_CODES) {
      const f = parseTortureFixture(`description: d\nverdict: invalid\nparse: ${code}\nfindings: none\n---\n`, P);
      expect(f.parse).toBe(code);
    }
  });

  it('knows every ParseErrorCode once and every role', () => {
    expect(new Set(PARSE_ERROR_CODES).size).toBe(PARSE_ERROR_CODES.length);
    expect(PARSE_ERROR_CODES).toContain('bare-line-feed');
    expect(PARSE_ERROR_CODES).toHaveLength(13);
    expect(TORTURE_ROLES).toContain('lookup-contacts');
  });

  it.each([
    ['an unknown key', 'description: d\nverdict: valid\nsize: 3\nparse: ok\nfindings: none\n---\nX\n', 3, /unknown meta key 'size'/],
    ['a key given twice', 'description: d\nverdict: valid\nverdict: valid\nparse: ok\nfindings: none\n---\nX\n', 3, /duplicate meta key 'verdict'/],
    ['a line that is not key: value', 'description: d\nverdict valid\nparse: ok\nfindings: none\n---\nX\n', 2, /expected 'key: value'/],
    ['a missing verdict', 'description: d\nparse: ok\nfindings: none\n---\nX\n', 4, /missing meta key 'verdict'/],
    ['a missing parse', 'description: d\nverdict: valid\nfindings: none\n---\nX\n', 4, /missing meta key 'parse'/],
    ['missing findings', 'description: d\nverdict: valid\nparse: ok\n---\nX\n', 4, /missing meta key 'findings'/],
    ['a missing description', 'verdict: valid\nparse: ok\nfindings: none\n---\nX\n', 4, /missing meta key 'description'/],
    ['an empty description', 'description:\nverdict: valid\nparse: ok\nfindings: none\n---\nX\n', 1, /empty description/],
    ['a missing --- line', 'description: d\nverdict: valid\nparse: ok\nfindings: none\nX\n', 5, /missing '---'/],
    ['an unknown verdict', 'description: d\nverdict: maybe\nparse: ok\nfindings: none\n---\nX\n', 2, /verdict must be/],
    ['an unknown parse code', 'description: d\nverdict: invalid\nparse: bad-uri\nfindings: none\n---\nX\n', 3, /parse must be 'ok' or one of .*bare-line-feed.*found 'bad-uri'/],
    ['a malformed finding', 'description: d\nverdict: invalid\nparse: ok\nfindings: SOS-WIRE-1, WIRE-2\n---\nX\n', 4, /findings: 'WIRE-2' is not a requirement ID/],
    ['a lower-case finding', 'description: d\nverdict: invalid\nparse: ok\nfindings: sos-wire-1\n---\nX\n', 4, /'sos-wire-1' is not a requirement ID/],
    ['an empty finding', 'description: d\nverdict: invalid\nparse: ok\nfindings: SOS-WIRE-1,\n---\nX\n', 4, /'' is not a requirement ID/],
    ['a finding listed twice', 'description: d\nverdict: invalid\nparse: ok\nfindings: SOS-ID-1, SOS-ID-1\n---\nX\n', 4, /'SOS-ID-1' listed twice/],
    ['a malformed warning', `${META}warnings: RFC3261\n---\nX\n`, 5, /warnings: 'RFC3261' is not a requirement ID/],
    ['an unknown role', `${META}role: proxy\n---\nX\n`, 5, /unknown role 'proxy'/],
    ['an unknown transport', `${META}transport: sctp\n---\nX\n`, 5, /transport must be 'udp' or 'tcp'/],
    ['findings with a parse error', 'description: d\nverdict: invalid\nparse: empty\nfindings: SOS-WIRE-1\n---\n', 4, /findings must be 'none' when parse is 'empty'/],
    ['warnings with a parse error', 'description: d\nverdict: invalid\nparse: empty\nfindings: none\nwarnings: SOS-WIRE-7\n---\n', 5, /warnings must be 'none'/],
    ['valid with a parse error', 'description: d\nverdict: valid\nparse: empty\nfindings: none\n---\n', 2, /verdict is 'valid' but parse is 'empty'/],
    ['valid with findings', 'description: d\nverdict: valid\nparse: ok\nfindings: SOS-ID-1\n---\nX\n', 2, /verdict is 'valid' but findings are not none/],
    ['invalid without anything wrong', 'description: d\nverdict: invalid\nparse: ok\nfindings: none\n---\nX\n', 2, /verdict is 'invalid' but parse is 'ok'/],
  ])('rejects %s', (_what, text, line, reason) => {
    expectError(text, line, reason);
  });
});

describe('parseTortureFixture: message bytes', () => {
  it('ends every line with CRLF, the last one included', () => {
    expect(bytesOf(withMessage('OPTIONS sip:a@10.0.0.1 SIP/2.0', 'Content-Length: 0', ''))).toBe(
      'OPTIONS sip:a@10.0.0.1 SIP/2.0\r\nContent-Length: 0\r\n\r\n',
    );
  });

  it('treats a missing final newline of the file like a present one', () => {
    expect(bytesOf(`${META}---\nA\nB`)).toBe('A\r\nB\r\n');
  });

  it('produces no bytes for an empty message section', () => {
    expect(parseTortureFixture('description: d\nverdict: invalid\nparse: empty\nfindings: none\n---\n', P).bytes).toHaveLength(0);
    expect(parseTortureFixture('description: d\nverdict: invalid\nparse: empty\nfindings: none\n---', P).bytes).toHaveLength(0);
  });

  it('keeps a --- line inside the message as message text', () => {
    expect(bytesOf(withMessage('A', '---', 'B'))).toBe('A\r\n---\r\nB\r\n');
  });

  it('ends a line with a bare LF, a bare CR, or nothing', () => {
    expect(bytesOf(withMessage('A<LF>', 'B<CR>', 'C', 'D<NOEOL>'))).toBe('A\nB\rC\r\nD');
  });

  it('inserts raw bytes for <hex>, in either case, anywhere in a line', () => {
    const text = withMessage('<hex>00</hex>Sub<hex>0D0a</hex>ject: x<hex>ff7f</hex>');
    expect(Array.from(parseTortureFixture(text, P).bytes)).toEqual([
      0x00, ...Buffer.from('Sub'), 0x0d, 0x0a, ...Buffer.from('ject: x'), 0xff, 0x7f, 0x0d, 0x0a,
    ]);
  });

  it('repeats text, with <hex> allowed inside', () => {
    expect(bytesOf(withMessage('X: <repeat count="3">ab</repeat>!<repeat count="2">-<hex>09</hex></repeat>'))).toBe(
      'X: ababab!-\t-\t\r\n',
    );
    const big = parseTortureFixture(withMessage('X: <repeat count="70000">a</repeat>'), P).bytes;
    expect(big.length).toBe(3 + 70000 + 2);
  });

  it('joins <allOneLine> lines with nothing and ends them with one CRLF', () => {
    const text = withMessage('A', '<allOneLine>', 'Route: <sip:p1;lr>,', ' <sip:p2;lr>', '<repeat count="2">,x</repeat>', '</allOneLine>', 'B');
    expect(bytesOf(text)).toBe('A\r\nRoute: <sip:p1;lr>, <sip:p2;lr>,x,x\r\nB\r\n');
  });

  it('encodes text as UTF-8 and leaves tabs and other <...> text alone', () => {
    const f = parseTortureFixture(withMessage('SIP/2.0 200 Très bien', 'To:\t<sip:alice@10.0.0.1;lr>', 'X: <foo> <hexagon> <LFO> a<b'), P);
    expect(Buffer.from(f.bytes).toString('utf8')).toBe('SIP/2.0 200 Très bien\r\nTo:\t<sip:alice@10.0.0.1;lr>\r\nX: <foo> <hexagon> <LFO> a<b\r\n');
  });

  // withMessage puts 4 meta lines and the --- line first: the message starts on file line 6.
  it.each([
    ['<LF> in the middle of a line', ['A<LF>B'], 6, /unknown or misplaced marker '<LF>' \(allowed only at the end of a line\)/],
    ['<CR> twice at the end', ['A<CR><CR>'], 6, /misplaced marker '<CR>'/],
    ['<NOEOL> before the last line', ['A<NOEOL>', 'B'], 6, /<NOEOL> is allowed on the last line only/],
    ['a lower-case marker name', ['B', 'A<lf>'], 7, /unknown or misplaced marker '<lf>'/],
    ['a marker name in odd case', ['X: <Hex>00</Hex>'], 6, /marker '<Hex>'/],
    ['a self-closing marker', ['X: <LF/>'], 6, /marker '<LF\/>'/],
    ['a stray closing tag', ['X: 00</hex>'], 6, /marker '<\/hex>'/],
    ['an odd number of hex digits', ['X: <hex>0d0</hex>'], 6, /bad hex '0d0'/],
    ['non-hex digits', ['X: <hex>zz</hex>'], 6, /bad hex 'zz'/],
    ['an empty <hex>', ['X: <hex></hex>'], 6, /bad hex ''/],
    ['an unterminated <hex>', ['X: <hex>0d0a'], 6, /unterminated <hex>/],
    ['a repeat without a quoted count', ['X: <repeat count=3>a</repeat>'], 6, /marker '<repeat count=3>'/],
    ['a repeat count of 0', ['X: <repeat count="0">a</repeat>'], 6, /repeat count 0 out of range/],
    ['an unterminated <repeat>', ['X: <repeat count="2">a'], 6, /unterminated <repeat>/],
    ['an empty <repeat>', ['X: <repeat count="2"></repeat>'], 6, /empty <repeat>/],
    ['a nested <repeat>', ['X: <repeat count="2"><repeat count="2">a</repeat></repeat>'], 6, /nested <repeat>/],
    ['an unterminated <allOneLine>', ['A', '<allOneLine>', 'B', 'C'], 7, /unterminated <allOneLine>/],
    ['a stray </allOneLine>', ['A', '</allOneLine>'], 7, /<\/allOneLine> without <allOneLine>/],
    ['a nested <allOneLine>', ['<allOneLine>', '<allOneLine>', 'a', '</allOneLine>'], 7, /nested <allOneLine>/],
    ['a line end marker inside <allOneLine>', ['<allOneLine>', 'a<LF>', '</allOneLine>'], 7, /line-end marker <LF> inside <allOneLine>/],
  ])('rejects %s', (_what, lines, line, reason) => {
    expectError(withMessage(...lines), line, reason);
  });

  it('rejects raw carriage returns and control characters in the file', () => {
    expectError(withMessage('A', 'B\r'), 7, /carriage return in the fixture file/);
    expectError(withMessage('A\u0000B'), 6, /raw control character 0x00 .*<hex>00<\/hex>/);
    expectError('description: d\u0007\nverdict: valid\nparse: ok\nfindings: none\n---\nX\n', 1, /raw control character 0x07/);
    expectError(`\uFEFF${withMessage('X')}`, 1, /byte order mark/);
  });
});

describe('loadTortureFixtures', () => {
  it('loads *.sip files recursively, sorted by path, and ignores other files', () => {
    const dir = fs.mkdtempSync(nodePath.join(os.tmpdir(), 'torture-'));
    try {
      fs.mkdirSync(nodePath.join(dir, 'b'));
      fs.mkdirSync(nodePath.join(dir, 'a', 'deep'), { recursive: true });
      fs.writeFileSync(nodePath.join(dir, 'b', 'one.sip'), withMessage('B'));
      fs.writeFileSync(nodePath.join(dir, 'a', 'deep', 'two.sip'), withMessage('A2'));
      fs.writeFileSync(nodePath.join(dir, 'a', 'one.sip'), withMessage('A1'));
      fs.writeFileSync(nodePath.join(dir, 'README.md'), '# not a fixture\n');
      const list = loadTortureFixtures(dir);
      expect(list.map((f) => nodePath.relative(dir, f.path))).toEqual([
        nodePath.join('a', 'deep', 'two.sip'),
        nodePath.join('a', 'one.sip'),
        nodePath.join('b', 'one.sip'),
      ]);
      expect(list.map((f) => f.name)).toEqual(['two', 'one', 'one']);

      fs.writeFileSync(nodePath.join(dir, 'b', 'bad.sip'), Buffer.from([0x64, 0x3a, 0xff, 0x0a]));
      expect(() => loadTortureFixtures(dir)).toThrow(`${nodePath.join(dir, 'b', 'bad.sip')}:1: the file is not valid UTF-8`);
      fs.writeFileSync(nodePath.join(dir, 'b', 'bad.sip'), `${META}unknown: x\n---\n`);
      expect(() => loadTortureFixtures(dir)).toThrow(`${nodePath.join(dir, 'b', 'bad.sip')}:5: unknown meta key 'unknown'`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

// ---- the fixtures themselves ----

const TORTURE_DIR = nodePath.join(__dirname, '..', '..', 'fixtures', 'torture');
const sha1 = (s: string): string => createHash('sha1').update(s).digest('hex');

/** Splits the produced bytes at the first empty line; null when there is none. */
function split(bytes: Uint8Array): { headers: string[]; body: Uint8Array } | null {
  const buf = Buffer.from(bytes);
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const unfolded = buf.subarray(0, end).toString('utf8').replace(/\r\n[ \t]+/g, ' ');
  return { headers: unfolded.split('\r\n').slice(1), body: bytes.subarray(end + 4) };
}
const headerValues = (headers: string[], names: string[]): string[] =>
  headers
    .map((h) => /^([^:]+?)[ \t]*:(.*)$/.exec(h))
    .filter((m): m is RegExpExecArray => m !== null && names.includes(m[1]!.trim().toLowerCase()))
    .map((m) => m[2]!.trim());

describe('the fixtures in fixtures/torture', () => {
  const fixtures: TortureFixture[] = loadTortureFixtures(TORTURE_DIR);
  const folder = (f: TortureFixture): string => nodePath.relative(TORTURE_DIR, f.path).split(nodePath.sep)[0]!;

  it('are at least 60, with unique names, and the folders agree with the verdicts', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(60);
    const names = fixtures.map((f) => f.name);
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
    for (const f of fixtures) {
      expect(['valid', 'invalid', 'sosimple']).toContain(folder(f));
      if (folder(f) === 'valid') expect([f.name, f.verdict]).toEqual([f.name, 'valid']);
      if (folder(f) === 'invalid') expect([f.name, f.verdict]).toEqual([f.name, 'invalid']);
    }
    expect(fixtures.filter((f) => folder(f) === 'sosimple').length).toBeGreaterThanOrEqual(20);
  });

  it('cover every parse error code', () => {
    const covered = new Set(fixtures.map((f) => f.parse));
    expect(PARSE_ERROR_CODES.filter((c) => !covered.has(c))).toEqual([]);
  });

  it('declare the right Content-Length when the verdict is valid', () => {
    const valid = fixtures.filter((f) => f.verdict === 'valid');
    expect(valid.length).toBeGreaterThan(30);
    for (const f of valid) {
      const parts = split(f.bytes);
      expect([f.name, parts !== null]).toEqual([f.name, true]);
      const declared = headerValues(parts!.headers, ['content-length', 'l']);
      if (f.transport === 'tcp') expect([f.name, declared.length]).toEqual([f.name, 1]);
      expect([f.name, declared.length <= 1]).toEqual([f.name, true]);
      // Without Content-Length (UDP only) the body is the rest of the datagram: nothing to check.
      if (declared.length === 1) {
        expect([f.name, declared[0], Number(declared[0])]).toEqual([f.name, declared[0], parts!.body.length]);
      }
    }
  });

  it('use real IDs in DHT-NodeID and DHT-Link when the verdict is valid', () => {
    let checked = 0;
    for (const f of fixtures.filter((x) => x.verdict === 'valid')) {
      const parts = split(f.bytes)!;
      for (const v of headerValues(parts.headers, ['dht-nodeid', 'dht-link'])) {
        const fields = v.split(/[ \t]+/);
        const [id, host] = fields.slice(-2) as [string, string];
        const addr = host.includes(':') ? host : `${host}:5060`;
        expect([f.name, v, id]).toEqual([f.name, v, sha1(addr)]);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(50);
  });
});
