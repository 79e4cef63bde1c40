// Identifiers (SOS-ID): SHA-1 Node-IDs and Resource-IDs as 40 lower-case hex digits.
import { createHash } from 'crypto';

export const ALG = 'rsa-sha1';
export const ID_HEX_DIGITS = 40;

/** A node as the protocol names it: its Node-ID and the address the ID was hashed from. */
export interface NodeRef {
  id: string;
  host: string;
  port: number;
}

export function sha1Hex(s: string): string {
  return createHash('sha1').update(s, 'ascii').digest('hex');
}

/** SOS-ID-2: SHA-1 of "ip:port", the port always written (5060 too). */
export function nodeIdOf(host: string, port: number): string {
  return sha1Hex(`${host}:${port}`);
}

/** SOS-ID-3: SHA-1 of the unhashed, unescaped username (the userinfo `alice`). */
export function resourceIdOf(user: string): string {
  let plain = user;
  try {
    plain = decodeURIComponent(user);
  } catch {
    // a stray % is kept as written
  }
  return sha1Hex(plain);
}

/** SOS-ID-1: 40LHEX; receivers also accept upper case (the Decision), so case is a flag. */
export function isNodeIdSyntax(s: string): boolean {
  return /^[0-9a-fA-F]{40}$/.test(s);
}

export function isLowerHexId(s: string): boolean {
  return /^[0-9a-f]{40}$/.test(s);
}

/** SOS-WIRE-12: host only on port 5060, else host:port. */
export function hostPort(host: string, port: number): string {
  return port === 5060 ? host : `${host}:${port}`;
}

export function nodeRef(host: string, port: number): NodeRef {
  return { id: nodeIdOf(host, port), host, port };
}

export function sameNode(a: NodeRef | null | undefined, b: NodeRef | null | undefined): boolean {
  return !!a && !!b && a.id === b.id;
}
