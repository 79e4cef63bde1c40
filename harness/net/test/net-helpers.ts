// Small helpers for the loopback tests of virtual nodes.

import type { Received } from '../client-transaction';

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `condition` every few ms; rejects naming `what` after `timeoutMs`. */
export async function until(condition: () => boolean, what: string, timeoutMs = 1000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(5);
  }
}

export function statusOf(r: Received): number {
  if (r.message.startLine.kind !== 'response') throw new Error(`not a response: ${r.message.startLine.raw}`);
  return r.message.startLine.status;
}
