/**
 * The relayer-throughput bench's baseline: the same app (startRelayer, same middleware, routes,
 * upstream client, store and chain) with receipt issuance taken out, so the bench can say what
 * signing, persisting and batching receipts cost. This wiring exists only here: the relayer itself
 * has no setting that turns receipts off, because a relayer without receipts serves calls nobody
 * is billed for.
 */
import type { AppDeps } from "../../src/relayer/app";
import type { ReceiptSigner } from "../../src/relayer/signer/signer";
import type { RelayerStore, StoreTx } from "../../src/relayer/store";

/** A well-formed (low-s) but meaningless signature: the answer keeps its shape and size. */
const PLACEHOLDER_HASH = `0x${"00".repeat(32)}` as const;
const PLACEHOLDER_SIGNATURE = `0x${"11".repeat(32)}${"22".repeat(32)}1b` as const;

/** Answers every receipt at once with the placeholder: no hashing, no signing, no worker round trip. */
function placeholderSigner(real: ReceiptSigner): ReceiptSigner {
  return {
    address: real.address,
    domain: real.domain,
    signReceipts: async (receipts) =>
      receipts.map(() => ({
        hash: PLACEHOLDER_HASH,
        signature: PLACEHOLDER_SIGNATURE,
        inputHash: PLACEHOLDER_HASH,
        outputHash: PLACEHOLDER_HASH,
      })),
    close: () => real.close(),
  };
}

/**
 * The real store, except that a receipt is never written (on the store or inside a transaction):
 * nothing is persisted, so the batcher never has anything to seal, commit or settle. The (now empty)
 * group-commit transaction each answer waits for still runs.
 */
function storeWithoutReceipts(real: RelayerStore): RelayerStore {
  const withoutInsert = <T extends { receipts: RelayerStore["receipts"] }>(repos: T): T => {
    const receipts = Object.create(repos.receipts) as RelayerStore["receipts"];
    receipts.insert = async () => 0;
    // Prototype-linked, so the real store's methods (transaction, close, …) keep their `this`.
    return Object.assign(Object.create(repos) as T, { receipts });
  };
  const store = withoutInsert(real);
  return Object.assign(store, {
    transaction: <T>(fn: (tx: StoreTx) => Promise<T>) => real.transaction((tx) => fn(withoutInsert(tx))),
  });
}

/** For startRelayer's adjustAppDeps: the app's dependencies with receipt issuance switched off. */
export function withoutReceipts(deps: AppDeps): AppDeps {
  return { ...deps, signer: placeholderSigner(deps.signer), store: storeWithoutReceipts(deps.store) };
}
