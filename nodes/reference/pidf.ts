// PIDF presence documents (RFC 3863) for SOS-PRES-1/2.
export function buildPidf(entity: string, basic: 'open' | 'closed', contact: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\r\n' +
    `<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="${xmlEscape(entity)}">\r\n` +
    `<tuple id="t1"><status><basic>${basic}</basic></status><contact>${xmlEscape(contact)}</contact></tuple>\r\n` +
    '</presence>\r\n'
  );
}

export function readPidfBasic(body: string): 'open' | 'closed' | 'unknown' {
  const m = /<(?:\w+:)?basic>\s*(open|closed)\s*<\/(?:\w+:)?basic>/i.exec(body);
  return m ? (m[1].toLowerCase() as 'open' | 'closed') : 'unknown';
}

function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
