// Moving registrations when responsibility moves (SOS-REG-6): third-party REGISTERs with
// From = this node's URI, To = the user's URI, and each Contact with the time it has left.
// A transfer the new owner does not take yet (its 200 to the join may still be in flight) is
// retried, then routed to whoever owns the key now; stray bindings are swept the same way.
import * as sip from 'sip';
import type { SosimpleNode } from './node';
import { BindingStore, Registration } from './bindings';
import { followChain } from './chain';
import { NodeRef } from './ids';
import { nameAddr } from './uris';
import { buildRequest, selfUri } from './wire';
import { newTag } from './sip-endpoint';

const DIRECT_ATTEMPTS = 2;

function transfer(node: SosimpleNode, reg: Registration, to: NodeRef): Promise<sip.Message | undefined> {
  const views = node.store.viewsOf(reg);
  const rq = buildRequest(node.ctx, {
    method: 'REGISTER',
    target: to,
    to: nameAddr(reg.aor),
    from: nameAddr(selfUri(node.ctx), { tag: newTag() }),
    contact: views.map((v) => nameAddr(v.contact, { expires: String(v.expires) })),
    headers: { Expires: String(Math.max(0, ...views.map((v) => v.expires))) },
    links: { links: 'neighbours' },
  });
  return node.request(rq);
}

/** Routes a transfer to the key's owner along the 302 chain (SOS-REG-1). */
async function relocate(node: SosimpleNode, reg: Registration): Promise<boolean> {
  if (node.routing.isResponsible(reg.resourceId)) return false;
  const res = await followChain(node.routing.nextHop(reg.resourceId), node.self, (t) => transfer(node, reg, t));
  return res.kind === 'final' && res.response.status === 200;
}

export async function handOver(node: SosimpleNode, to: NodeRef, match: (rid: string, reg: Registration) => boolean): Promise<void> {
  const moving = node.store.take(match);
  await Promise.all(
    moving.map(async ({ reg }) => {
      if (node.store.viewsOf(reg).length === 0) return; // lapsed meanwhile: nothing to move
      for (let attempt = 0; attempt < DIRECT_ATTEMPTS; attempt++) {
        if ((await transfer(node, reg, to))?.status === 200) return;
      }
      if (await relocate(node, reg)) return;
      node.log.warn({ user: reg.user, to: to.id }, 'hand-over failed; keeping the binding');
      node.store.restore(reg);
    }),
  );
}

/** Owned bindings for keys this node no longer owns (a hand-over that failed) move on. */
export async function sweepStrays(node: SosimpleNode): Promise<void> {
  const strays = node.store.take((rid, reg) => BindingStore.hasPrimary(reg) && !node.routing.isResponsible(rid));
  for (const { reg } of strays) {
    if (!(await relocate(node, reg))) node.store.restore(reg);
  }
}
