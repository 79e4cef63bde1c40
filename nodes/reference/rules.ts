// What a node answers to a P2P request (SOS-JOIN, SOS-MAINT-7, SOS-REG, SOS-LOOKUP), as a
// decision over the routing table and the binding store. The node sends the response and
// carries out the effects (hand-over, stabilization).
import * as sip from 'sip';
import { BindingStore } from './bindings';
import { linksOf } from './dht-headers';
import { NodeRef, isNodeIdSyntax, nodeIdOf, resourceIdOf } from './ids';
import { ReadUri, nameAddr } from './uris';
import { Inbound, requestedExpiry } from './validate';
import { FinalResponse, WireContext, uriOfNode } from './wire';

export type Effect =
  | { kind: 'admitted'; joiner: NodeRef; former: NodeRef | null }
  | { kind: 'neighbour-left'; leaver: NodeRef }
  | { kind: 'bindings-changed'; user: string; resourceId: string };

export interface Outcome {
  response: FinalResponse;
  effects: Effect[];
}

export interface RuleEnv {
  ctx: WireContext;
  store: BindingStore;
}

export type RegisterClass = 'join' | 'leave' | 'node-query' | 'user-register' | 'user-query';

/** SOS-WIRE-13: the REGISTER classes (`queryWithExpiresIsJoin`: the `expires-query-is-join` fault). */
export function classifyRegister(inbound: Inbound, queryWithExpiresIsJoin = false): RegisterClass {
  const hasContact = inbound.contacts.length > 0 || inbound.contactStar;
  if (inbound.to?.params.userNode) {
    if (!hasContact) return queryWithExpiresIsJoin && (inbound.expiresHeader ?? 0) > 0 ? 'join' : 'node-query';
    return requestedExpiry(inbound, inbound.contacts[0]) > 0 ? 'join' : 'leave';
  }
  return hasContact ? 'user-register' : 'user-query';
}

const only = (response: FinalResponse): Outcome => ({ response, effects: [] });
const p2p = (status: number, extra: Partial<FinalResponse> = {}): FinalResponse => ({ status, p2p: true, ...extra });

/** The single node-URI Contact of a redirect toward k (SOS-JOIN-1/2/4, SOS-REG-1, SOS-LOOKUP-1). */
export function redirectTowards(env: RuleEnv, k: string): FinalResponse {
  const { ctx } = env;
  const r = ctx.routing;
  let next = r.nextHop(k, ctx.faults.has('redirect-wrong-finger') ? 1 : 0);
  if (ctx.faults.has('redirect-to-predecessor') && r.predecessor) next = r.predecessor;
  return p2p(302, { contact: [nameAddr(uriOfNode(ctx, next))], links: { links: 'neighbours' } });
}

/**
 * The `redirect-loop` fault (breaks SOS-LOOKUP-4): the owner of a user key sends the request
 * to its P 1 instead of answering, and P 1's redirect toward the key comes straight back.
 */
function loopBack(env: RuleEnv): FinalResponse | undefined {
  const p = env.ctx.routing.predecessor;
  if (!env.ctx.faults.has('redirect-loop') || !p) return undefined;
  return p2p(302, { contact: [nameAddr(uriOfNode(env.ctx, p))], links: { links: 'neighbours' } });
}

function nodeOf(u: ReadUri): NodeRef | undefined {
  if (!u.user || !isNodeIdSyntax(u.user)) return undefined;
  return { id: u.user.toLowerCase(), host: u.host, port: u.port };
}

/** SOS-JOIN-6 / SOS-ERR-8: the Node-ID is the hash of the URI's address; DHT-NodeID agrees. */
function idRefusal(env: RuleEnv, u: ReadUri | undefined, inbound: Inbound): FinalResponse | undefined {
  if (env.ctx.faults.has('no-493')) return undefined;
  const node = u && nodeOf(u);
  // The `id-check-ignores-port` fault also takes the hash of host:5060 (breaks SOS-WIRE-12).
  const lenient = env.ctx.faults.has('id-check-ignores-port') && !!node && node.id === nodeIdOf(node.host, 5060);
  if (!node || (node.id !== nodeIdOf(node.host, node.port) && !lenient)) return p2p(493, { reason: 'Undecipherable', links: { links: 'none' } });
  const s = inbound.sender?.node;
  if (!s || s.id !== node.id || s.host !== node.host || s.port !== node.port) {
    return p2p(493, { reason: 'Undecipherable', links: { links: 'none' } });
  }
  return undefined;
}

/** SOS-JOIN-9: From must equal To, and To's host must be where the request came from. */
function thirdParty(env: RuleEnv, inbound: Inbound, remote: sip.Remote): boolean {
  if (env.ctx.faults.has('accept-third-party')) return false;
  const { to, from } = inbound;
  if (!to || !from) return true;
  const same = (to.user ?? '').toLowerCase() === (from.user ?? '').toLowerCase() && to.host === from.host && to.port === from.port;
  return !same || to.host !== remote.address;
}

export function handleRegister(env: RuleEnv, rq: sip.Message, inbound: Inbound, remote: sip.Remote): Outcome {
  switch (classifyRegister(inbound, env.ctx.faults.has('expires-query-is-join'))) {
    case 'join':
      return nodeJoin(env, rq, inbound, remote);
    case 'leave':
      return nodeLeave(env, inbound, remote);
    case 'node-query':
      return nodeQuery(env, inbound);
    case 'user-register':
      return userRegister(env, rq, inbound);
    case 'user-query':
      return userQuery(env, inbound);
  }
}

function nodeJoin(env: RuleEnv, rq: sip.Message, inbound: Inbound, remote: sip.Remote): Outcome {
  if (thirdParty(env, inbound, remote)) return only(p2p(403, { links: { links: 'none' } }));
  const bad = idRefusal(env, inbound.to, inbound);
  if (bad) return only(bad);
  const joiner = nodeOf(inbound.to as ReadUri) as NodeRef;
  const r = env.ctx.routing;
  const expires = requestedExpiry(inbound, inbound.contacts[0]);
  const ok = (predecessor: NodeRef | null | undefined): FinalResponse =>
    p2p(200, {
      contact: Array.isArray(rq.headers.contact) ? rq.headers.contact.slice(0, 1) : undefined,
      headers: { Expires: String(expires) },
      links: { links: 'neighbours', predecessor },
    });
  if (joiner.id === env.ctx.self.id) return only(ok(undefined));
  const cls = r.classifyNodeRegister(joiner);
  if (cls === 'refresh') {
    // SOS-JOIN-7: never a duplicate (the `rejoin-duplicate-contact` fault lists it twice);
    // SOS-MAINT-7: P 1 and S 1 (the `refresh-without-p1` fault leaves P 1 out).
    const refreshed = ok(env.ctx.faults.has('refresh-without-p1') ? null : undefined);
    if (env.ctx.faults.has('rejoin-duplicate-contact') && refreshed.contact?.length) refreshed.contact = [refreshed.contact[0]!, { ...refreshed.contact[0]! }];
    return only(refreshed);
  }
  if (cls === 'admit') {
    const former = r.admit(joiner);
    // SOS-JOIN-3 wants P 1 in the 200; with a NULL former P 1 (the first node, JOIN-8) it names
    // its P 1 now, the joiner itself, which the joiner does not adopt, so its P stays NULL.
    const response = ok(former ?? joiner);
    // The `join-200-wrong-fingers` fault lists its top fingers under exponent i+1 (SOS-JOIN-12).
    if (env.ctx.faults.has('join-200-wrong-fingers')) response.links = { links: 'all', predecessor: former ?? joiner, fingerExponents: [150, 151, 152, 153, 154, 155, 156, 157, 158], fingerShift: 1 };
    return { response, effects: [{ kind: 'admitted', joiner, former }] };
  }
  if (env.ctx.faults.has('join-200-not-responsible')) return only(ok(undefined));
  return only(redirectTowards(env, joiner.id));
}

/** SOS-MAINT-2 at the receiver: take the leaver's P 1 and successors. */
function nodeLeave(env: RuleEnv, inbound: Inbound, remote: sip.Remote): Outcome {
  if (thirdParty(env, inbound, remote)) return only(p2p(403, { links: { links: 'none' } }));
  const bad = idRefusal(env, inbound.to, inbound);
  if (bad) return only(bad);
  const leaver = nodeOf(inbound.to as ReadUri) as NodeRef;
  const its = inbound.links;
  env.ctx.routing.applyLeave(leaver, linksOf(its, 'P')[0] ?? null, linksOf(its, 'S'));
  return { response: p2p(200, { headers: { Expires: '0' } }), effects: [{ kind: 'neighbour-left', leaver }] };
}

/** SOS-LOOKUP-5/6: 302 on the way; at the responsible node 200 on an exact ID, else 404. */
function nodeQuery(env: RuleEnv, inbound: Inbound): Outcome {
  // The `query-no-493` fault does not check the querier's Node-ID (breaks SOS-ERR-8).
  const bad = env.ctx.faults.has('query-no-493') ? undefined : idRefusal(env, inbound.from, inbound);
  if (bad) return only(bad);
  const searched = inbound.to?.user;
  if (!searched || !isNodeIdSyntax(searched)) return only(p2p(400, { reason: 'Bad searched Node-ID', links: { links: 'none' } }));
  const k = searched.toLowerCase();
  const r = env.ctx.routing;
  if (env.ctx.faults.has('query-changes-state') && inbound.sender) {
    const s = inbound.sender.node;
    if (r.classifyNodeRegister(s) === 'admit') r.admit(s);
  }
  if (!r.isResponsible(k)) return only(redirectTowards(env, k));
  const exact = k === env.ctx.self.id || env.ctx.faults.has('lookup-404-as-200');
  return only(p2p(exact ? 200 : 404));
}

interface UserKey {
  user: string;
  resourceId: string;
}

/** SOS-ID-3, SOS-REG-3: the Resource-ID is computed here; a differing resource-ID is a 400. */
export function userKey(env: RuleEnv, u: ReadUri | undefined): UserKey | FinalResponse {
  if (!u?.user) return p2p(400, { reason: 'No user in To', links: { links: 'none' } });
  const computed = resourceIdOf(u.user);
  const given = u.params.resourceId?.toLowerCase();
  if (given !== undefined && given !== computed) {
    if (!env.ctx.faults.has('ignore-resource-id')) return p2p(400, { reason: 'resource-ID mismatch', links: { links: 'none' } });
    return { user: u.user, resourceId: given };
  }
  return { user: u.user, resourceId: computed };
}

function bindingContacts(env: RuleEnv, resourceId: string): sip.NameAddr[] {
  return env.store.get(resourceId).map((b) => nameAddr(b.contact, { expires: String(b.expires) }));
}

function userRegister(env: RuleEnv, rq: sip.Message, inbound: Inbound): Outcome {
  const key = userKey(env, inbound.to);
  if ('status' in key) return only(key);
  const r = env.ctx.routing;
  const replica = inbound.to?.params.replica;
  const isReplica = replica !== undefined && Number.isInteger(replica) && replica >= 1 && replica <= 9;
  // SOS-REG-6: a hand-over from a leaving P 1 arrives before its leave REGISTER.
  const fromPredecessor = !!inbound.from?.params.userNode && !!r.predecessor && inbound.sender?.node.id === r.predecessor.id;
  // The `register-200-not-responsible` fault stores wherever the REGISTER lands (breaks SOS-REG-1).
  if (!isReplica && !fromPredecessor && !r.isResponsible(key.resourceId) && !env.ctx.faults.has('register-200-not-responsible')) {
    return only(redirectTowards(env, key.resourceId));
  }
  const loop = isReplica || fromPredecessor ? undefined : loopBack(env);
  if (loop) return only(loop);
  // A copy's `replica` marker is not part of the user's URI (a later hand-over must not carry it).
  const aor = (rq.headers.to?.uri ?? '').toString().replace(/;replica=[^;?>]*/i, '');
  if (inbound.contactStar) {
    if ((inbound.expiresHeader ?? -1) !== 0) return only(p2p(400, { reason: 'Contact * needs Expires: 0', links: { links: 'none' } }));
    env.store.removeAll(key.resourceId);
  } else {
    const raw = Array.isArray(rq.headers.contact) ? rq.headers.contact : [];
    raw.forEach((c, i) => {
      const expiry = requestedExpiry(inbound, inbound.contacts[i]);
      env.store.put(key.resourceId, key.user, aor, c.uri, expiry, isReplica ? (replica as number) : 0);
    });
  }
  const contacts = bindingContacts(env, key.resourceId);
  return {
    response: p2p(200, { contact: contacts.length ? contacts : undefined }),
    effects: [{ kind: 'bindings-changed', user: key.user, resourceId: key.resourceId }],
  };
}

/** SOS-LOOKUP-7: a REGISTER without Contact asks for the bindings. */
function userQuery(env: RuleEnv, inbound: Inbound): Outcome {
  const key = userKey(env, inbound.to);
  if ('status' in key) return only(key);
  if (!env.ctx.routing.isResponsible(key.resourceId)) return only(redirectTowards(env, key.resourceId));
  const loop = loopBack(env);
  if (loop) return only(loop);
  const contacts = bindingContacts(env, key.resourceId);
  // The `user-query-no-contacts` fault answers 200 without the bindings (breaks SOS-LOOKUP-7).
  if (contacts.length && env.ctx.faults.has('user-query-no-contacts')) return only(p2p(200));
  return only(contacts.length ? p2p(200, { contact: contacts }) : p2p(404));
}

/** SOS-LOOKUP-1/2/3: INVITE, MESSAGE, SUBSCRIBE (and OPTIONS) for a user. */
export function handleLookup(env: RuleEnv, inbound: Inbound): Outcome {
  const key = userKey(env, inbound.to);
  if ('status' in key) return only(key);
  if (!env.ctx.routing.isResponsible(key.resourceId)) {
    // The `lookup-404-not-responsible` fault answers 404 instead of redirecting (breaks SOS-LOOKUP-1).
    if (env.ctx.faults.has('lookup-404-not-responsible')) return only(p2p(404));
    return only(redirectTowards(env, key.resourceId));
  }
  const loop = loopBack(env);
  if (loop) return only(loop);
  const contacts = env.store.get(key.resourceId).map((b) => nameAddr(b.contact));
  if (contacts.length) return only(p2p(302, { contact: contacts }));
  return only(p2p(env.ctx.faults.has('unregistered-480') ? 480 : 404));
}

/** SOS-RING-5: OPTIONS to the node's own URI lists every DHT-Link, F included. */
export function isProbe(rq: sip.Message, self: NodeRef): boolean {
  const uri = sip.parseUri(rq.uri ?? '');
  if (!uri) return false;
  return !uri.user || uri.user.toLowerCase() === self.id || uri.params.user === 'node';
}
