import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Waits until `cond` holds, checking every `pollMs`; fails naming `what` after `timeoutMs`. Tests wait
 * on the condition itself instead of sleeping a fixed time (slow CI machines, fast local ones).
 */
export async function until(
  what: string,
  cond: () => boolean | Promise<boolean>,
  timeoutMs = 30_000,
  pollMs = 50,
): Promise<void> {
  for (const end = Date.now() + timeoutMs; !(await cond()); await sleep(pollMs)) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
  }
}
