import { StreamFramer } from './stream-framer';

const msg = (body = ''): string => `OPTIONS sip:a SIP/2.0\r\nCall-ID: x\r\nContent-Length: ${body.length}\r\n\r\n${body}`;

describe('SOS-ERR-1 stream framing', () => {
  it('frames by Content-Length across chunks and skips keep-alives', () => {
    const f = new StreamFramer(1000);
    const two = `\r\n\r\n${msg('hello')}${msg()}`;
    expect(f.push(two.slice(0, 20))).toEqual([]);
    const out = f.push(two.slice(20));
    expect(out.map((o) => o.kind)).toEqual(['message', 'message']);
    expect(out[0].text.endsWith('hello')).toBe(true);
  });

  it('refuses LF-only framing, a missing Content-Length and oversized messages', () => {
    expect(new StreamFramer(1000).push('OPTIONS sip:a SIP/2.0\nCall-ID: x\n\n')).toEqual([{ kind: 'bad', text: expect.any(String), why: 'lines must end in CRLF' }]);
    expect(new StreamFramer(1000).push('OPTIONS sip:a SIP/2.0\r\nCall-ID: x\r\n\r\n')[0]).toMatchObject({ kind: 'bad', why: expect.stringMatching(/Content-Length/) });
    expect(new StreamFramer(50).push(msg('x'.repeat(100)))[0]).toMatchObject({ kind: 'bad', why: 'message too large' });
    expect(new StreamFramer(50).push('X'.repeat(60))[0]).toMatchObject({ kind: 'bad', why: 'headers too large' });
  });
});
