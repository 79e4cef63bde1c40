// Text hygiene for the report files: ANSI colours out of Jest's messages, and escaping for
// XML (junit.xml) and HTML (index.html) that stays valid whatever bytes a node sent.

// CSI sequences (colours, cursor moves) and OSC sequences (hyperlinks), as terminals emit them.
const ANSI_RE = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;

export function stripAnsi(text: string): string {
  return text.replace(ANSI_RE, '');
}

// Characters XML 1.0 forbids (C0 controls except TAB, LF, CR; U+FFFE/U+FFFF; lone surrogates).
const XML_INVALID_RE = /[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Replaces characters no XML document may hold by a visible `\xNN` / `\uNNNN` spelling. */
export function xmlSafeChars(text: string): string {
  return text.replace(XML_INVALID_RE, (c) => {
    const code = c.charCodeAt(0);
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** Character data for an XML element. `]]>` cannot survive because `>` is always escaped. */
export function xmlText(text: string): string {
  return xmlSafeChars(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** An XML attribute value (double-quoted); line breaks and tabs kept as character references. */
export function xmlAttr(text: string): string {
  return xmlText(text).replace(/"/g, '&quot;').replace(/'/g, '&apos;').replace(/\t/g, '&#9;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;');
}

/** HTML text or double-quoted attribute value. Control characters are shown, not dropped. */
export function html(text: string): string {
  return xmlSafeChars(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** Shortens to `max` characters with an ellipsis. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;
}
