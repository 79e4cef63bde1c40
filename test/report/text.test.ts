import { clip, html, stripAnsi, xmlAttr, xmlText } from '../../harness/report/text';
import { xmlProblem } from './xml-check';

describe('report text hygiene', () => {
  it('strips ANSI colours and hyperlinks from Jest messages', () => {
    expect(stripAnsi('\u001b[1m\u001b[31m  ● \u001b[22m\u001b[39mfailed \u001b]8;;file:///x\u0007link\u001b]8;;\u0007')).toBe('  ● failed link');
  });

  it('escapes XML text so that ]]>, markup and control characters cannot break the document', () => {
    const nasty = 'a <b> & "c" \'d\' ]]> \u0000\u0007\u001b[31m \ud800 \ufffe tab\tline\r\nend 😀';
    const text = xmlText(nasty);
    expect(text).not.toContain(']]>');
    expect(text).toContain(']]&gt;');
    expect(text).toContain('\\x00\\x07\\x1b[31m');
    expect(text).toContain('\\ud800');
    expect(text).toContain('\\ufffe');
    expect(text).toContain('😀');
    expect(text).toContain('tab\tline\r\nend');
    expect(xmlProblem(`<r>${text}</r>`)).toBeUndefined();
    const attr = xmlAttr(nasty);
    expect(attr).not.toMatch(/["<\n\r\t]/);
    expect(attr).toContain('&#10;');
    expect(xmlProblem(`<r a="${attr}"/>`)).toBeUndefined();
  });

  it('the checker itself rejects what the escaping prevents', () => {
    expect(xmlProblem('<r>a ]]> b</r>')).toMatch(/]]>/);
    expect(xmlProblem('<r>a & b</r>')).toMatch(/bare &/);
    expect(xmlProblem('<r>\u0001</r>')).toMatch(/U\+0001/);
    expect(xmlProblem('<r a="x"y"/>')).toMatch(/malformed tag/);
    expect(xmlProblem('<r><s></r></s>')).toMatch(/does not close/);
  });

  it('escapes HTML including quotes, and clips with an ellipsis', () => {
    expect(html(`<script>alert("x")</script>'`)).toBe('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39;');
    expect(clip('abcdef', 4)).toBe('abc…');
    expect(clip('abc', 4)).toBe('abc');
  });
});
