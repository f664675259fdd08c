import type { BatcherHooks } from "../../../src/relayer/services/batcher";

/**
 * TEST ONLY. `KHO_TEST_CRASH_AFTER_BROADCAST=1` makes the relayer process kill itself with SIGKILL
 * right after its first submitBatch broadcast, before the transaction is recorded in the store, so
 * the crash test (test/relayer/crash.e2e.test.ts) can prove restart reconciliation heals exactly
 * that window. Unset (or any other value) it does nothing. Never set it on a real relayer.
 */
export const CRASH_AFTER_BROADCAST_ENV = "KHO_TEST_CRASH_AFTER_BROADCAST";

export function batcherHooksFromEnv(env: NodeJS.ProcessEnv): BatcherHooks | undefined {
  if (env[CRASH_AFTER_BROADCAST_ENV] !== "1") return undefined;
  return {
    afterBroadcast: () => {
      // SIGKILL, not exit(): no handler, finally block or buffered write may run, as in a real crash.
      process.kill(process.pid, "SIGKILL");
    },
  };
}
