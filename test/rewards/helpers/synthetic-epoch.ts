import { type Address, type Hex, getAddress, keccak256, toHex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import {
  type AttributedEntry,
  type InferenceReceipt,
  type LedgerDomain,
  type SignedReceipt,
  UserKind,
  ZERO_BYTES32,
  addressUserId,
  hashReceipt,
} from "../../../src/protocol";
import { batchTree, serializeBatchFile } from "../../../src/protocol/batch-file";
import { receiptTypes, usageLedgerDomain } from "../../../src/protocol/eip712";
import { resolveRewardParams } from "../../../src/rewards/core";
import type { BatchEvent, ChainHistory } from "../../../src/rewards/pipeline/chain-history";
import {
  type CollectEpochReceiptsParameters,
  collectEpochReceipts,
} from "../../../src/rewards/pipeline/collect-epoch-receipts";
import { registrySnapshot } from "../../../src/rewards/pipeline/registry-snapshot";
import { relayerAuthority } from "../../../src/rewards/pipeline/relayer-authority";
import {
  type ComputeEpochFromHistoryParameters,
  computeEpochFromHistory,
} from "../../../src/rewards/pipeline/epoch-from-history";

/**
 * A synthetic epoch for the pipeline's chain-free half (computeEpochFromHistory): one relayer
 * committing batches of receipts it signed, for one priced model registered, deployed and with the
 * relayer role before the epoch's window opened. No chain, no files on disk: the tests hand the
 * pipeline a ChainHistory and the batch files' bytes.
 */
export const DOMAIN: LedgerDomain = { chainId: 31337, ledger: "0x5FbDB2315678afecb367f032d93F642f64180aa3" };
export const EPOCH = 3n;
export const START = 1_750_000_000n;
export const END = START + 7n * 86_400n;
export const relayerKey = generatePrivateKey();
export const relayer = privateKeyToAccount(relayerKey).address;
const builder = getAddress(keccak256(toHex("builder")).slice(0, 42));
const operator = getAddress(keccak256(toHex("operator")).slice(0, 42));
const PRICE = 10n ** 16n;
const at = (block: bigint, timestamp: bigint) => ({ block, logIndex: 0, timestamp });

/** Receipt i of the epoch for model 1, paid by one of `users` wallets, dated within the window. */
export function epochReceipt(i: number, users: number, attributionHash: Hex = ZERO_BYTES32): InferenceReceipt {
  const user = getAddress(keccak256(toHex(`user ${i % users}`)).slice(0, 42));
  return {
    requestId: keccak256(toHex(`request ${i}`)),
    modelId: 1n,
    deploymentId: 1n,
    communityId: 1n,
    userId: addressUserId(user),
    userKind: UserKind.Wallet,
    inputHash: keccak256(toHex(`in ${i}`)),
    outputHash: keccak256(toHex(`out ${i}`)),
    timestamp: START + BigInt((i % 7) * 86_400 + i),
    epoch: EPOCH,
    fee: PRICE,
    payer: user,
    userAuth: ZERO_BYTES32,
    attributionHash,
  };
}

/** Signs as the relayer does (EIP-712 over the ledger's domain), with `key` (default the relayer's). */
export async function signReceipt(
  receipt: InferenceReceipt,
  key: Hex = relayerKey,
  attribution: AttributedEntry[] = [],
): Promise<SignedReceipt> {
  const signature = await privateKeyToAccount(key).signTypedData({
    domain: usageLedgerDomain(DOMAIN.chainId, DOMAIN.ledger),
    types: receiptTypes,
    primaryType: "InferenceReceipt",
    message: receipt,
  });
  return { receipt, hash: hashReceipt(receipt, DOMAIN), signature, ...(attribution.length > 0 ? { attribution } : {}) };
}

/**
 * The relayer's batch `batchId` of `receipts`, committed after the window closed, with its file's
 * bytes at `memory://batch-<id>`; `edit` may rewrite the file's JSON before the relayer commits its bytes.
 */
export function committedBatch(
  batchId: bigint,
  receipts: SignedReceipt[],
  edit: (json: { receipts: Record<string, unknown>[] }) => void = () => {},
): { batch: BatchEvent; bytes: Uint8Array } {
  const root = batchTree(receipts.map((r) => r.hash)).root;
  const { json } = serializeBatchFile({
    chainId: DOMAIN.chainId,
    ledger: DOMAIN.ledger,
    relayer,
    batchId,
    epoch: EPOCH,
    root,
    receipts,
    operators: new Map([[1n, operator]]),
  });
  edit(json as unknown as { receipts: Record<string, unknown>[] });
  const bytes = new TextEncoder().encode(JSON.stringify(json));
  const batch = {
    ...at(10n + batchId, END + 60n),
    relayer,
    batchId,
    epoch: EPOCH,
    root,
    count: receipts.length,
    dataURI: `memory://batch-${batchId}`,
    dataHash: keccak256(bytes),
  };
  return { batch, bytes };
}

/** What the chain shows through block 20: the model, its price and deployment, a 10% protocol fee, the relayer, then `batches`. */
export function epochHistory(batches: BatchEvent[]): ChainHistory {
  return {
    fromBlock: 1n,
    toBlock: 20n,
    models: [
      { ...at(1n, START - 100n), kind: "registered", modelId: 1n, builder, communityId: 1n },
      { ...at(1n, START - 100n), kind: "price", modelId: 1n, pricePerCall: PRICE },
      { ...at(1n, START - 100n), kind: "deployment", deploymentId: 1n, modelId: 1n, operator },
    ],
    communities: [],
    protocolFees: [{ ...at(1n, START - 100n), bps: 1000n }],
    stakes: [],
    datasetVersions: [],
    relayers: [{ ...at(1n, START - 100n), relayer, added: true }],
    batches,
  };
}

/** The epoch's rewards with the default parameters, a 1,000-token budget and no earlier epochs. */
export function computeSyntheticEpoch(
  parameters: Pick<
    ComputeEpochFromHistoryParameters,
    "history" | "pool" | "checker" | "verification" | "fetchBatch" | "fetchDatasetVersion"
  >,
) {
  return computeEpochFromHistory({
    ...parameters,
    epoch: EPOCH,
    window: { start: START, end: END },
    domain: DOMAIN,
    params: resolveRewardParams({}),
    budget: 1000n * 10n ** 18n,
    previousCumulative: new Map<Address, bigint>(),
    lookback: [],
  });
}

/** The epoch's receipt collection alone (what computeSyntheticEpoch starts with), handing accepted rows to `accept`. */
export function collectSyntheticEpoch(
  parameters: Pick<ComputeEpochFromHistoryParameters, "history" | "pool" | "checker" | "verification" | "fetchBatch"> &
    Pick<CollectEpochReceiptsParameters, "accept">,
) {
  const { history } = parameters;
  return collectEpochReceipts({
    ...parameters,
    epoch: EPOCH,
    epochStart: START,
    epochEnd: END,
    domain: DOMAIN,
    batches: history.batches,
    registry: registrySnapshot(history.models, END),
    relayers: relayerAuthority(history.relayers),
  });
}
