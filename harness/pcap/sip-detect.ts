// Is this SIP? A payload is taken as SIP when its first line is a SIP start line (RFC 3261
// §7.1/§7.2), whatever the ports: SOSIMPLE nodes listen on any port, so 5060 proves nothing.

const REQUEST_LINE = /^[A-Za-z0-9.!%*_+`'~-]+ [^ \t\r\n]+ SIP\/[0-9]+\.[0-9]+$/i;
const STATUS_LINE = /^SIP\/[0-9]+\.[0-9]+ [0-9]{3}(?: |$)/i;
/** A start line longer than this is not one we want to hunt for. */
export const MAX_START_LINE = 8192;

export function looksLikeSipStartLine(line: string): boolean {
  return line.length <= MAX_START_LINE && (STATUS_LINE.test(line) || REQUEST_LINE.test(line));
}

/** The first line of `bytes` (without its CRLF/LF), decoded byte for byte, at most `max` characters. */
export function firstLineOf(bytes: Uint8Array, max = MAX_START_LINE): string {
  let end = 0;
  while (end < bytes.length && end < max && bytes[end] !== 0x0a) end++;
  if (end > 0 && bytes[end - 1] === 0x0d) end--;
  return Buffer.from(bytes.buffer, bytes.byteOffset, end).toString('latin1');
}

/** True when the datagram's first line, after leading CRLFs, is a SIP start line. */
export function looksLikeSip(bytes: Uint8Array): boolean {
  let start = 0;
  while (start < bytes.length && (bytes[start] === 0x0d || bytes[start] === 0x0a)) start++;
  return looksLikeSipStartLine(firstLineOf(bytes.subarray(start)));
}

/** Only CR and LF bytes: a keep-alive (RFC 5626 §3.5.1), not a message. */
export function isKeepAlive(bytes: Uint8Array): boolean {
  return bytes.length > 0 && bytes.every((b) => b === 0x0d || b === 0x0a);
}
