import {
  type Address,
  type Hex,
  TransactionNotFoundError,
  TransactionReceiptNotFoundError,
  WaitForTransactionReceiptTimeoutError,
} from "viem";
import { usageLedgerAbi } from "../../protocol";
import type { LedgerClient, TransactionOutcome } from "../ports";
import type { RelayerChainClients } from "./viem-clients";
import { KhoError } from "../../protocol/errors";

export type CreateViemLedgerClientParameters = {
  clients: RelayerChainClients;
  ledger: Address;
  /** How long waitForTransaction waits before answering "pending" (ms). */
  confirmationTimeoutMs?: number;
};

export class LedgerClientError extends KhoError {
  override readonly name = "LedgerClientError";
  readonly code = "ledger_call_failed";
}

/** UsageLedger through viem, as the relayer key. Reads the epoch schedule once (it is immutable). */
export async function createViemLedgerClient(params: CreateViemLedgerClientParameters): Promise<LedgerClient> {
  const { publicClient, walletClient, account, chain } = params.clients;
  const address = params.ledger;
  const contract = { address, abi: usageLedgerAbi } as const;
  const [genesis, length, batchGracePeriod, isRelayer] = await Promise.all([
    publicClient.readContract({ ...contract, functionName: "genesis" }),
    publicClient.readContract({ ...contract, functionName: "epochLength" }),
    publicClient.readContract({ ...contract, functionName: "batchGracePeriod" }),
    publicClient.readContract({ ...contract, functionName: "isRelayer", args: [account.address] }),
  ]).catch((error: unknown) => {
    throw new LedgerClientError(`Could not read UsageLedger at ${address}; is the deployment address right?`, {
      cause: error,
    });
  });
  if (!isRelayer) {
    throw new LedgerClientError(
      `The relayer key ${account.address} does not hold RELAYER_ROLE on UsageLedger ${address}.`,
    );
  }
  const timeout = params.confirmationTimeoutMs ?? 60_000;

  return {
    relayer: account.address,
    domain: { chainId: chain.id, ledger: address },
    schedule: { genesis, length, batchGracePeriod },
    async chainTime() {
      return (await publicClient.getBlock({ blockTag: "latest" })).timestamp;
    },
    async lastBatchId() {
      return publicClient.readContract({ ...contract, functionName: "lastBatchId", args: [account.address] });
    },
    async getBatch(batchId) {
      const b = await publicClient.readContract({
        ...contract,
        functionName: "getBatch",
        args: [account.address, batchId],
      });
      if (BigInt(b.root) === 0n) return null;
      return { root: b.root, dataHash: b.dataHash, epoch: b.epoch, count: b.count };
    },
    async submitBatch(p) {
      const nonce = await publicClient.getTransactionCount({ address: account.address, blockTag: "pending" });
      const txHash: Hex = await walletClient.writeContract({
        ...contract,
        functionName: "submitBatch",
        args: [p.epoch, p.batchId, p.root, p.count, p.dataURI, p.dataHash],
        nonce,
      });
      return { txHash, nonce };
    },
    async waitForTransaction(hash): Promise<TransactionOutcome> {
      try {
        const receipt = await publicClient.waitForTransactionReceipt({ hash, timeout, pollingInterval: 500 });
        return receipt.status === "success" ? "success" : "reverted";
      } catch (error) {
        if (!(
          error instanceof WaitForTransactionReceiptTimeoutError || error instanceof TransactionReceiptNotFoundError
        )) {
          throw error;
        }
        try {
          await publicClient.getTransaction({ hash });
          return "pending";
        } catch (lookup) {
          if (lookup instanceof TransactionNotFoundError) return "dropped";
          throw lookup;
        }
      }
    },
    async balance() {
      return publicClient.getBalance({ address: account.address });
    },
  };
}
