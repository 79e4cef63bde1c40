// Identifiers (SOS-ID): SHA-1 Node-IDs and Resource-IDs, 40 lower-case hex digits.

import { createHash } from 'node:crypto';

export const ID_HEX_RE = /^[0-9a-f]{40}$/;
export const ALG_SHA1 = 'rsa-sha1';
export const DEFAULT_SIP_PORT = 5060;

export function sha1Hex(text: string): string {
  return createHash('sha1').update(text, 'utf8').digest('hex');
}

/** SOS-ID-2: SHA-1 of `IP ":" port`, the port always written. */
export function nodeIdOf(ip: string, port: number = DEFAULT_SIP_PORT): string {
  return sha1Hex(`${ip}:${port}`);
}

/** SOS-ID-3: SHA-1 of the unescaped username. */
export function resourceIdOf(user: string): string {
  return sha1Hex(decodeURIComponentSafe(user));
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** What is wrong with an ID under rsa-sha1 (SOS-ID-1), or undefined when it is well formed. */
export function idProblem(id: string): string | undefined {
  if (ID_HEX_RE.test(id)) return undefined;
  if (/^[0-9a-fA-F]{40}$/.test(id)) return 'upper-case hex digits (SOS-ID-1 requires lower case)';
  if (!/^[0-9a-fA-F]*$/.test(id)) return 'a character that is not a hex digit';
  return `${id.length} hex digits instead of 40`;
}
