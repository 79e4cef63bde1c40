// P2P URIs (SOS-WIRE-2, SOS-WIRE-3, SOS-WIRE-9, SOS-WIRE-10): build node and user URIs and
// read their parameters wherever a sender put them.
import * as sip from 'sip';
import { ALG, NodeRef, hostPort } from './ids';

export interface P2pParams {
  userNode: boolean;
  alg?: string;
  overlay?: string;
  resourceId?: string;
  replica?: number;
  expires?: number;
}

export interface ReadUri {
  user?: string;
  host: string;
  /** The port as written; 5060 when absent (SOS-JOIN-6). */
  port: number;
  portWritten: boolean;
  params: P2pParams;
}

type ParamBag = Record<string, string | null | undefined>;

function pick(bags: ParamBag[], ...names: string[]): string | null | undefined {
  for (const bag of bags) {
    for (const key of Object.keys(bag)) {
      if (names.includes(key.toLowerCase())) return bag[key];
    }
  }
  return undefined;
}

/**
 * SOS-WIRE-10: parameters inside <…> and as header parameters both count (`insideOnly` is
 * the `params-inside-only` fault, which ignores the header parameters).
 */
export function readNameAddr(na: sip.NameAddr | undefined, insideOnly = false): ReadUri | undefined {
  if (!na || typeof na.uri !== 'string') return undefined;
  return readUri(na.uri, insideOnly ? {} : na.params ?? {});
}

export function readUri(uri: string | sip.SipUri, headerParams: ParamBag = {}): ReadUri | undefined {
  const u = sip.parseUri(uri);
  if (!u) return undefined;
  const bags = [u.params ?? {}, headerParams];
  const userParam = pick(bags, 'user');
  const replica = pick(bags, 'replica');
  const expires = pick(bags, 'expires');
  const portWritten = typeof u.port === 'number' && !Number.isNaN(u.port) && u.port > 0;
  return {
    user: u.user,
    host: u.host,
    port: portWritten ? (u.port as number) : 5060,
    portWritten,
    params: {
      userNode: typeof userParam === 'string' && userParam.toLowerCase() === 'node',
      alg: pick(bags, 'alg') ?? undefined,
      // SOS-WIRE-9: `overlay-name` and `resourceID` are accepted too.
      overlay: pick(bags, 'overlay', 'overlay-name') ?? undefined,
      resourceId: pick(bags, 'resource-id', 'resourceid') ?? undefined,
      replica: replica ? Number(replica) : undefined,
      expires: expires !== undefined && expires !== null && /^\d+$/.test(expires) ? Number(expires) : undefined,
    },
  };
}

/** SOS-WIRE-2, SOS-WIRE-12: `sip:<id>@host[:port];user=node;alg=…;overlay=…`. */
export function nodeUri(node: NodeRef, overlay: string, idText = node.id): string {
  return `sip:${idText}@${hostPort(node.host, node.port)};user=node;alg=${ALG};overlay=${overlay}`;
}

/** SOS-WIRE-3: the unhashed username, never user=node; resource-ID is the SHOULD. */
export function userUri(user: string, host: string, port: number, overlay: string, resourceId?: string): string {
  const rid = resourceId ? `;resource-ID=${resourceId}` : '';
  return `sip:${user}@${hostPort(host, port)};alg=${ALG};overlay=${overlay}${rid}`;
}

export function nameAddr(uri: string, params: ParamBag = {}): sip.NameAddr {
  return { uri, params };
}

/** SOS-WIRE-11: a DHT REGISTER's Request-URI is the contacted node's address only. */
export function requestUriOf(node: { host: string; port: number }): string {
  return `sip:${hostPort(node.host, node.port)}`;
}
