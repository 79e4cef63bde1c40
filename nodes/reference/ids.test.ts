import { createHash } from 'crypto';
import { hostPort, isLowerHexId, nodeIdOf, resourceIdOf } from './ids';

const sha1 = (s: string): string => createHash('sha1').update(s).digest('hex');

describe('SOS-ID identifiers', () => {
  it('SOS-ID-2 Node-ID is SHA-1 of "ip:port", the port always written', () => {
    expect(nodeIdOf('10.0.0.1', 5060)).toBe(sha1('10.0.0.1:5060'));
    expect(nodeIdOf('10.0.0.1', 5060)).not.toBe(sha1('10.0.0.1'));
    expect(nodeIdOf('127.0.0.2', 5070)).toBe(sha1('127.0.0.2:5070'));
    // a known vector, computed independently: printf '10.0.0.1:5060' | sha1sum
    expect(nodeIdOf('10.0.0.1', 5060)).toBe('ca85e160b3c2774b5ce581f0b44288ad6550d2ec');
  });

  it('SOS-ID-1 IDs are 40 lower-case hex digits', () => {
    const id = nodeIdOf('192.168.0.1', 5060);
    expect(isLowerHexId(id)).toBe(true);
    expect(isLowerHexId(id.toUpperCase())).toBe(false);
  });

  it('SOS-ID-3 Resource-ID is SHA-1 of the unescaped username', () => {
    expect(resourceIdOf('alice')).toBe(sha1('alice'));
    expect(resourceIdOf('al%69ce')).toBe(sha1('alice'));
  });

  it('SOS-WIRE-12 host only on 5060, host:port otherwise', () => {
    expect(hostPort('10.0.0.1', 5060)).toBe('10.0.0.1');
    expect(hostPort('10.0.0.1', 5070)).toBe('10.0.0.1:5070');
  });
});
