// A strict well-formedness check for the XML the report writes (no XML parser is a
// dependency): legal characters, entity references, attribute quoting, element nesting.
// The browser test parses the same output with Chromium's DOMParser as a second opinion.

const INVALID = /[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const ENTITY = /&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9A-Fa-f]+);)/;
const NAME = '[A-Za-z_:][A-Za-z0-9_.:-]*';
const ATTRS = `(?:\\s+${NAME}\\s*=\\s*"[^"<]*")*`;
const OPEN = new RegExp(`^<(${NAME})${ATTRS}\\s*(/?)>$`);
const CLOSE = new RegExp(`^</(${NAME})\\s*>$`);

/** undefined when well-formed, else what is wrong and where (character offset). */
export function xmlProblem(xml: string): string | undefined {
  const bad = INVALID.exec(xml);
  if (bad) return `character U+${bad[0].charCodeAt(0).toString(16).padStart(4, '0')} not allowed in XML at ${bad.index}`;
  let rest = xml.replace(/^<\?xml[^?]*\?>/, '');
  const stack: string[] = [];
  let offset = xml.length - rest.length;
  let roots = 0;
  while (rest.length > 0) {
    const lt = rest.indexOf('<');
    const text = lt < 0 ? rest : rest.slice(0, lt);
    if (ENTITY.test(text)) return `a bare & in text at ${offset}`;
    if (text.includes(']]>')) return `"]]>" in text at ${offset}`;
    if (text.includes('>')) return `a bare > in text at ${offset}`;
    if (stack.length === 0 && text.trim() !== '') return `text outside the root element at ${offset}`;
    if (lt < 0) break;
    const gt = rest.indexOf('>', lt);
    if (gt < 0) return `an unclosed tag at ${offset + lt}`;
    const tag = rest.slice(lt, gt + 1);
    if (ENTITY.test(tag)) return `a bare & in a tag at ${offset + lt}`;
    const close = CLOSE.exec(tag);
    const open = OPEN.exec(tag);
    if (close) {
      if (stack.pop() !== close[1]) return `</${close[1]}> does not close the open element at ${offset + lt}`;
    } else if (open) {
      if (stack.length === 0 && ++roots > 1) return `a second root element at ${offset + lt}`;
      if (open[2] !== '/') stack.push(open[1]!);
    } else {
      return `a malformed tag ${JSON.stringify(tag.slice(0, 60))} at ${offset + lt}`;
    }
    offset += gt + 1;
    rest = rest.slice(gt + 1);
  }
  if (stack.length) return `unclosed element(s): ${stack.join(', ')}`;
  if (roots !== 1) return 'no root element';
  return undefined;
}
