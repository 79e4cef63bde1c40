// Fault switches (SOSIMPLE_FAULTS=a,b): each breaks exactly one catalogue rule, so the
// self-test can prove the suite's check for that rule fails. Unknown names stop the start.

export interface FaultInfo {
  requirement: string;
  area: 'id' | 'wire' | 'join' | 'ring' | 'maintenance' | 'redirect' | 'registration' | 'lookup' | 'presence' | 'errors';
  effect: string;
}

export const FAULTS = {
  'uppercase-node-id': { requirement: 'SOS-ID-1', area: 'id', effect: 'writes its Node-ID in upper-case hex in DHT-NodeID and its URIs' },
  'node-id-ip-only': { requirement: 'SOS-ID-2', area: 'id', effect: 'derives its Node-ID from the IP alone (the -00 rule)' },
  'alg-sha1-in-responses': { requirement: 'SOS-ID-6', area: 'id', effect: 'names its hash sha1 (the -02 token) instead of rsa-sha1 in the DHT-NodeID of its responses' },
  'no-require-dht': { requirement: 'SOS-WIRE-4', area: 'wire', effect: 'omits Require: dht from P2P requests and responses' },
  'no-dht-nodeid': { requirement: 'SOS-WIRE-5', area: 'wire', effect: 'omits DHT-NodeID from every message it sends' },
  'dht-link-one-line': { requirement: 'SOS-WIRE-6', area: 'wire', effect: 'writes all DHT-Link entries comma-joined on one line' },
  'no-to-tag': { requirement: 'SOS-WIRE-1', area: 'wire', effect: 'sends final responses without a To-tag' },
  'contact-without-user-node': { requirement: 'SOS-WIRE-2', area: 'wire', effect: 'leaves user=node off the Contact of the node REGISTERs it sends' },
  'user-uri-no-alg': { requirement: 'SOS-WIRE-3', area: 'wire', effect: 'leaves alg off the To and From of its users\' REGISTERs' },
  'dht-header-name-case': { requirement: 'SOS-WIRE-7', area: 'wire', effect: 'writes the DHT-NodeID header name as Dht-Nodeid' },
  'query-with-expires': { requirement: 'SOS-WIRE-8', area: 'wire', effect: 'puts an Expires header in its node queries' },
  'overlay-name-param': { requirement: 'SOS-WIRE-9', area: 'wire', effect: 'spells the overlay parameter overlay-name in the node URIs it writes' },
  'params-inside-only': { requirement: 'SOS-WIRE-10', area: 'wire', effect: 'reads user=node, alg, overlay and resource-ID only inside <…>, never as header parameters' },
  'ruri-with-overlay': { requirement: 'SOS-WIRE-11', area: 'wire', effect: 'adds the overlay parameter to the Request-URI of its DHT REGISTERs' },
  'links-without-port': { requirement: 'SOS-WIRE-12', area: 'wire', effect: 'writes the DHT-Link hosts of its user REGISTERs without the port, even for nodes not on 5060' },
  'id-check-ignores-port': { requirement: 'SOS-WIRE-12', area: 'wire', effect: 'accepts a Node-ID hashed from the host and 5060 whatever port the node URI names' },
  'query-to-target-host': { requirement: 'SOS-WIRE-13', area: 'wire', effect: 'writes the searched ID of its node queries at the queried node\'s host instead of its own' },
  'expires-query-is-join': { requirement: 'SOS-WIRE-13', area: 'wire', effect: 'treats a node REGISTER without Contact but with a non-zero Expires as a join' },
  'dht-link-missing-s1': { requirement: 'SOS-JOIN-3', area: 'join', effect: 'leaves the S 1 entry out of its DHT-Link list' },
  'join-200-not-responsible': { requirement: 'SOS-JOIN-3', area: 'join', effect: 'admits every joiner with 200, responsible or not' },
  'no-493': { requirement: 'SOS-JOIN-6', area: 'join', effect: 'admits node URIs whose Node-ID is not the hash of their address' },
  'accept-third-party': { requirement: 'SOS-JOIN-9', area: 'join', effect: 'accepts third-party node registrations instead of 403' },
  'rejoin-duplicate-contact': { requirement: 'SOS-JOIN-7', area: 'join', effect: 'answers a repeated join from its P 1 listing the joiner\'s Contact twice, as a second binding' },
  'adopt-join-fingers': { requirement: 'SOS-JOIN-10', area: 'join', effect: 'takes the F entries of its join\'s 200 as its own fingers and never queries the finger starts' },
  'join-200-wrong-fingers': { requirement: 'SOS-JOIN-12', area: 'join', effect: 'lists F entries in its join 200, each finger under exponent i+1' },
  'join-null-predecessor': { requirement: 'SOS-JOIN-11', area: 'join', effect: 'a joining node ignores the P 1 of the admitting 200 and keeps a NULL predecessor until notified' },
  'wrong-successor': { requirement: 'SOS-RING-2', area: 'ring', effect: 'advertises its second successor as S 1' },
  'p1-self-on-start': { requirement: 'SOS-RING-6', area: 'ring', effect: 'a node starting the overlay names itself as P 1' },
  'fingers-off-by-one': { requirement: 'SOS-RING-3', area: 'ring', effect: 'lists F i under exponent i+1' },
  'finger-refresh-stops-when-quiet': { requirement: 'SOS-RING-4', area: 'ring', effect: 'stops its periodic finger refresh once 3 rounds in a row changed nothing' },
  'no-stabilize': { requirement: 'SOS-MAINT-4', area: 'maintenance', effect: 'never runs stabilization (no query of S 1, no notify)' },
  'no-leave-register': { requirement: 'SOS-MAINT-2', area: 'maintenance', effect: 'leaves without the expiry-0 REGISTERs to its neighbours' },
  'no-register-refresh': { requirement: 'SOS-MAINT-1', area: 'maintenance', effect: 'sends its S 1 one node REGISTER and never refreshes it' },
  'no-finger-refresh': { requirement: 'SOS-MAINT-6', area: 'maintenance', effect: 'never refreshes its fingers on the stabilization period, only right after a change next to it' },
  'refresh-without-p1': { requirement: 'SOS-MAINT-7', area: 'maintenance', effect: 'answers a node REGISTER from its P 1 with 200 but without DHT-Link P 1' },
  'no-research': { requirement: 'SOS-MAINT-3', area: 'maintenance', effect: 'never drops or searches around a neighbour or finger whose requests time out' },
  'redirect-to-predecessor': { requirement: 'SOS-JOIN-2', area: 'redirect', effect: 'redirects to its P 1, which is never closer to the key' },
  'redirect-wrong-finger': { requirement: 'SOS-JOIN-4', area: 'redirect', effect: 'redirects to the finger below the one covering the key' },
  'redirect-loop': { requirement: 'SOS-LOOKUP-4', area: 'redirect', effect: 'the responsible node redirects user requests to its P 1, which sends them back: a two-node loop' },
  'ignore-resource-id': { requirement: 'SOS-REG-3', area: 'registration', effect: 'stores under a resource-ID that differs from the hash, no 400' },
  'no-handover': { requirement: 'SOS-REG-6', area: 'registration', effect: 'never hands registrations over on join or leave' },
  'replica-unmarked': { requirement: 'SOS-REG-7', area: 'registration', effect: 'sends the copies of its users\' REGISTERs to the successors without the replica marker' },
  'register-before-join': { requirement: 'SOS-REG-8', area: 'registration', effect: 'sends its users\' REGISTERs to its bootstrap before its join got 200' },
  'user-contact-no-overlay': { requirement: 'SOS-REG-9', area: 'registration', effect: 'leaves overlay off its users\' Contacts' },
  'register-200-not-responsible': { requirement: 'SOS-REG-1', area: 'registration', effect: 'stores a user REGISTER and answers 200 at any node, responsible or not' },
  'no-replication': { requirement: 'SOS-REG-5', area: 'registration', effect: 'registers its users at the owner only, without the replica copies to the owner\'s successors' },
  'lookup-404-as-200': { requirement: 'SOS-LOOKUP-5', area: 'lookup', effect: 'answers a node query at the responsible node 200 whatever the ID' },
  'query-changes-state': { requirement: 'SOS-LOOKUP-6', area: 'lookup', effect: 'a node query from a node in (P 1, self) makes it P 1' },
  'unregistered-480': { requirement: 'SOS-LOOKUP-3', area: 'lookup', effect: 'answers 480 instead of 404 for an unregistered user' },
  'lookup-404-not-responsible': { requirement: 'SOS-LOOKUP-1', area: 'lookup', effect: 'answers a lookup for a user it is not responsible for with 404 instead of a 302' },
  'user-query-no-contacts': { requirement: 'SOS-LOOKUP-7', area: 'lookup', effect: 'answers a user query at the owner with 200 but without the bindings' },
  'no-notify': { requirement: 'SOS-PRES-1', area: 'presence', effect: 'accepts SUBSCRIBE but never sends NOTIFY' },
  'no-terminated-notify': { requirement: 'SOS-PRES-2', area: 'presence', effect: 'leaves without the final closed/terminated NOTIFY' },
  'no-buddy-subscribe': { requirement: 'SOS-PRES-5', area: 'presence', effect: 'never subscribes to its buddies on its own (only back, when one subscribes)' },
  'no-400': { requirement: 'SOS-ERR-1', area: 'errors', effect: 'drops malformed requests silently' },
  'no-420': { requirement: 'SOS-ERR-2', area: 'errors', effect: 'ignores unknown Require tags' },
  'no-488': { requirement: 'SOS-ERR-3', area: 'errors', effect: 'serves requests for other overlays' },
  'no-421': { requirement: 'SOS-ERR-7', area: 'errors', effect: 'serves REGISTERs without Require: dht' },
  'query-no-493': { requirement: 'SOS-ERR-8', area: 'errors', effect: 'answers node queries whose From node URI fails ID-2 instead of 493' },
  'crash-on-bad-content-length': { requirement: 'SOS-ERR-1', area: 'errors', effect: 'exits when a message\'s Content-Length disagrees with its body (on TCP: is not a number)' },
  'no-size-bound': { requirement: 'SOS-ERR-6', area: 'errors', effect: 'serves messages over 64 KiB' },
  'flood-limit-shared': { requirement: 'SOS-ERR-6', area: 'errors', effect: 'bounds floods with one budget for every address, so one flooding address starves the others' },
} as const satisfies Record<string, FaultInfo>;

export type FaultName = keyof typeof FAULTS;

export class Faults {
  private readonly on: ReadonlySet<FaultName>;

  constructor(names: readonly FaultName[] = []) {
    this.on = new Set(names);
  }

  has(name: FaultName): boolean {
    return this.on.has(name);
  }

  list(): FaultName[] {
    return [...this.on];
  }
}

export function isFaultName(s: string): s is FaultName {
  return Object.prototype.hasOwnProperty.call(FAULTS, s);
}

/** Parses `a,b`; an unknown name is an error naming the known ones. */
export function parseFaults(spec: string | undefined): Faults {
  const names = (spec ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => !isFaultName(n));
  if (unknown.length) {
    throw new Error(`unknown fault switch(es): ${unknown.join(', ')}; known: ${Object.keys(FAULTS).join(', ')}`);
  }
  return new Faults(names as FaultName[]);
}
