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
  'no-require-dht': { requirement: 'SOS-WIRE-4', area: 'wire', effect: 'omits Require: dht from P2P requests and responses' },
  'no-dht-nodeid': { requirement: 'SOS-WIRE-5', area: 'wire', effect: 'omits DHT-NodeID from every message it sends' },
  'dht-link-one-line': { requirement: 'SOS-WIRE-6', area: 'wire', effect: 'writes all DHT-Link entries comma-joined on one line' },
  'no-to-tag': { requirement: 'SOS-WIRE-1', area: 'wire', effect: 'sends final responses without a To-tag' },
  'dht-link-missing-s1': { requirement: 'SOS-JOIN-3', area: 'join', effect: 'leaves the S 1 entry out of its DHT-Link list' },
  'join-200-not-responsible': { requirement: 'SOS-JOIN-3', area: 'join', effect: 'admits every joiner with 200, responsible or not' },
  'no-493': { requirement: 'SOS-JOIN-6', area: 'join', effect: 'admits node URIs whose Node-ID is not the hash of their address' },
  'accept-third-party': { requirement: 'SOS-JOIN-9', area: 'join', effect: 'accepts third-party node registrations instead of 403' },
  'wrong-successor': { requirement: 'SOS-RING-2', area: 'ring', effect: 'advertises its second successor as S 1' },
  'p1-self-on-start': { requirement: 'SOS-RING-6', area: 'ring', effect: 'a node starting the overlay names itself as P 1' },
  'fingers-off-by-one': { requirement: 'SOS-RING-3', area: 'ring', effect: 'lists F i under exponent i+1' },
  'no-stabilize': { requirement: 'SOS-MAINT-4', area: 'maintenance', effect: 'never runs stabilization (no query of S 1, no notify)' },
  'no-leave-register': { requirement: 'SOS-MAINT-2', area: 'maintenance', effect: 'leaves without the expiry-0 REGISTERs to its neighbours' },
  'redirect-to-predecessor': { requirement: 'SOS-JOIN-2', area: 'redirect', effect: 'redirects to its P 1, which is never closer to the key' },
  'redirect-wrong-finger': { requirement: 'SOS-JOIN-4', area: 'redirect', effect: 'redirects to the finger below the one covering the key' },
  'ignore-resource-id': { requirement: 'SOS-REG-3', area: 'registration', effect: 'stores under a resource-ID that differs from the hash, no 400' },
  'no-handover': { requirement: 'SOS-REG-6', area: 'registration', effect: 'never hands registrations over on join or leave' },
  'lookup-404-as-200': { requirement: 'SOS-LOOKUP-5', area: 'lookup', effect: 'answers a node query at the responsible node 200 whatever the ID' },
  'query-changes-state': { requirement: 'SOS-LOOKUP-6', area: 'lookup', effect: 'a node query from a node in (P 1, self) makes it P 1' },
  'unregistered-480': { requirement: 'SOS-LOOKUP-3', area: 'lookup', effect: 'answers 480 instead of 404 for an unregistered user' },
  'no-notify': { requirement: 'SOS-PRES-1', area: 'presence', effect: 'accepts SUBSCRIBE but never sends NOTIFY' },
  'no-terminated-notify': { requirement: 'SOS-PRES-2', area: 'presence', effect: 'leaves without the final closed/terminated NOTIFY' },
  'no-400': { requirement: 'SOS-ERR-1', area: 'errors', effect: 'drops malformed requests silently' },
  'no-420': { requirement: 'SOS-ERR-2', area: 'errors', effect: 'ignores unknown Require tags' },
  'no-488': { requirement: 'SOS-ERR-3', area: 'errors', effect: 'serves requests for other overlays' },
  'no-421': { requirement: 'SOS-ERR-7', area: 'errors', effect: 'serves REGISTERs without Require: dht' },
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
