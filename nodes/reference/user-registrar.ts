// Routing a hosted user's REGISTER to the owner of its Resource-ID (SOS-REG-1/2/4), copying
// it to the owner's successors with the `replica` To parameter (SOS-REG-7), and user
// queries (SOS-LOOKUP-7). Presence is not its business (user-agent.ts).
import * as sip from 'sip';
import type { SosimpleNode } from './node';
import { followChain, linksOfResponse } from './chain';
import { linksOf } from './dht-headers';
import { NodeRef, resourceIdOf } from './ids';
import { nameAddr, userUri } from './uris';
import { buildRequest } from './wire';
import { newTag } from './sip-endpoint';

export class UserRegistrar {
  constructor(private readonly node: SosimpleNode) {}

  /** The user's AOR and Contact: the unhashed name at this node, with resource-ID (SOS-REG-9). */
  aor(user: string): string {
    return userUri(user, this.node.self.host, this.node.self.port, this.node.cfg.overlay, resourceIdOf(user));
  }

  /** A user REGISTER to `t`; `replica` marks a copy to the owner's successor of that rank (SOS-REG-7). */
  build(user: string, expires: number, t: NodeRef, replica?: number): sip.Message {
    const faults = this.node.cfg.faults;
    const aor = this.aor(user);
    // The `user-uri-no-alg` fault (SOS-WIRE-3) and the `user-contact-no-overlay` fault (SOS-REG-9).
    const named = faults.has('user-uri-no-alg') ? aor.replace(/;alg=[^;]*/, '') : aor;
    const contact = faults.has('user-contact-no-overlay') ? aor.replace(/;overlay=[^;]*/, '') : aor;
    // The `replica-unmarked` fault sends the copy as a plain REGISTER (SOS-REG-7).
    const marked = replica && !faults.has('replica-unmarked') ? `${named};replica=${replica}` : named;
    return buildRequest(this.node.ctx, {
      method: 'REGISTER',
      target: t,
      to: nameAddr(marked),
      from: nameAddr(named, { tag: newTag() }),
      contact: [nameAddr(contact)],
      headers: { Expires: String(expires) },
      // The `links-without-port` fault writes its P 1 and S entries in the -01 form (SOS-WIRE-12).
      links: { links: 'neighbours', ...(faults.has('links-without-port') ? { portless: true } : {}) },
    });
  }

  /** The `register-before-join` fault (SOS-REG-8): every user's REGISTER straight to `t`, before any join. */
  async registerThrough(t: NodeRef): Promise<void> {
    await Promise.all(this.node.cfg.users.map((u) => this.node.request(this.build(u, this.node.cfg.expires, t))));
  }

  /** SOS-REG-2/4/7: route the REGISTER, then copy it to the owner's successors. */
  async register(user: string, expires: number): Promise<boolean> {
    const node = this.node;
    const rid = resourceIdOf(user);
    const aor = this.aor(user);
    const build = (t: NodeRef, replica?: number): sip.Message => this.build(user, expires, t, replica);
    let replicas: NodeRef[] | undefined;
    for (let attempt = 0; attempt < 3 && !replicas; attempt++) {
      const r = node.routing;
      const local = (): NodeRef[] => {
        node.store.put(rid, user, aor, aor, expires, 0);
        return r.successors.filter((s) => s.id !== node.self.id);
      };
      if (r.isResponsible(rid)) {
        replicas = local();
        break;
      }
      const res = await followChain(r.nextHop(rid), node.self, (t) => node.request(build(t)));
      if (res.kind === 'local') replicas = local();
      else if (res.kind === 'final' && res.response.status === 200) {
        replicas = linksOf(linksOfResponse(res.response), 'S').filter((s) => s.id !== res.responder.id);
      } else if (res.kind === 'failed') node.nodeFailed(res.node);
      else break;
    }
    if (!replicas) {
      node.log.warn({ user }, 'user registration failed');
      return false;
    }
    // The `no-replication` fault sends no copies, so one failure can lose the binding (SOS-REG-5).
    if (node.cfg.faults.has('no-replication')) replicas = [];
    await Promise.all(
      replicas.slice(0, 4).map((s, i) => {
        if (s.id === node.self.id) {
          node.store.put(rid, user, aor, aor, expires, i + 1);
          return Promise.resolve(undefined);
        }
        return node.request(build(s, i + 1));
      }),
    );
    return true;
  }

  /**
   * A user query (SOS-LOOKUP-7) routed like REG-1: the owner's bindings, `[]` on 404, or
   * `undefined` when the chain broke.
   */
  async lookup(user: string): Promise<string[] | undefined> {
    const node = this.node;
    const rid = resourceIdOf(user);
    for (let attempt = 0; attempt < 3; attempt++) {
      if (node.routing.isResponsible(rid)) return node.store.get(rid).map((v) => v.contact);
      const to = userUri(user, node.cfg.overlay, 5060, node.cfg.overlay, rid);
      const res = await followChain(node.routing.nextHop(rid), node.self, (t) =>
        node.request(buildRequest(node.ctx, { method: 'REGISTER', target: t, to: nameAddr(to), from: nameAddr(to, { tag: newTag() }) })),
      );
      if (res.kind === 'local') return node.store.get(rid).map((v) => v.contact);
      if (res.kind === 'final') {
        if (res.response.status === 404) return [];
        if (res.response.status !== 200) return undefined;
        const c = res.response.headers.contact;
        return Array.isArray(c) ? c.map((x) => x.uri) : [];
      }
      if (res.kind === 'failed') node.nodeFailed(res.node);
      else return undefined;
    }
    return undefined;
  }
}
