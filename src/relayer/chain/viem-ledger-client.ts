import {
  type Address,
  type Hex,
  TransactionNotFoundError,
  TransactionReceiptNotFoundError,
  WaitForTransactionReceiptTimeoutError,
} from "viem";
import { usageLedgerAbi } from "../../protocol";
import type { EpochSchedule, LedgerClient, TransactionOutcome } from "../ports";
import { type RelayerChainClients, isChainUnreachable } from "./viem-clients";
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

export type ViemLedgerClient = LedgerClient & {
  /**
   * Reads the epoch schedule and the relayer's role from the chain and checks them against what the
   * client was built with; throws LedgerClientError on a mismatch or a missing role.
   */
  verify(): Promise<void>;
};

/**
 * UsageLedger through viem, as the relayer key. The epoch schedule is immutable: given (from the
 * deployment file) the client is built without touching the chain, so the relayer can start while
 * the chain is down; otherwise it is read, and the role checked, before the client is returned.
 */
export async function createViemLedgerClient(
  params: CreateViemLedgerClientParameters & { schedule?: EpochSchedule },
): Promise<ViemLedgerClient> {
  const { publicClient, walletClient, account, chain } = params.clients;
  const address = params.ledger;
  const contract = { address, abi: usageLedgerAbi } as const;
  const read = async () => {
    const [genesis, length, batchGracePeriod, isRelayer] = await Promise.all([
      publicClient.readContract({ ...contract, functionName: "genesis" }),
      publicClient.readContract({ ...contract, functionName: "epochLength" }),
      publicClient.readContract({ ...contract, functionName: "batchGracePeriod" }),
      publicClient.readContract({ ...contract, functionName: "isRelayer", args: [account.address] }),
    ]).catch((error: unknown) => {
      if (isChainUnreachable(error)) throw error;
      throw new LedgerClientError(`Could not read UsageLedger at ${address}; is the deployment address right?`, {
        cause: error,
      });
    });
    if (!isRelayer) {
      throw new LedgerClientError(
        `The relayer key ${account.address} does not hold RELAYER_ROLE on UsageLedger ${address}.`,
      );
    }
    return { genesis, length, batchGracePeriod };
  };
  const schedule = params.schedule ?? (await read());
  const timeout = params.confirmationTimeoutMs ?? 60_000;

  return {
    relayer: account.address,
    domain: { chainId: chain.id, ledger: address },
    schedule,
    async verify() {
      const onChain = await read();
      if (
        onChain.genesis !== schedule.genesis ||
        onChain.length !== schedule.length ||
        onChain.batchGracePeriod !== schedule.batchGracePeriod
      ) {
        throw new LedgerClientError(
          `UsageLedger ${address} has a different epoch schedule than the deployment file; is it the right chain?`,
        );
      }
    },
    async chainTime() {
      return (await publicClient.getBlock({ blockTag: "latest" })).timestamp;
    },
    async lastBatchId() {
      return publicClient.readContract({ ...contract, functionName: "lastBatchId", args: [account.address] });
    },
    async batchCommitment(batchId) {
      const commitment = await publicClient.readContract({
        ...contract,
        functionName: "batchCommitment",
        args: [account.address, batchId],
      });
      return BigInt(commitment) === 0n ? null : commitment;
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
