import type { Address } from "viem";
import { feeEscrowAbi } from "../../protocol";
import type { FeeEscrowClient } from "../ports";
import type { RelayerChainClients } from "./viem-clients";

export type CreateViemFeeEscrowClientParameters = {
  clients: RelayerChainClients;
  escrow: Address;
  /** How long settleBatch waits for its transaction to be mined (ms). */
  confirmationTimeoutMs?: number;
};

export class FeeEscrowClientError extends Error {
  override readonly name = "FeeEscrowClientError";
}

/** FeeEscrow through viem, as the relayer key (the key that committed the batches it settles). */
export function createViemFeeEscrowClient(params: CreateViemFeeEscrowClientParameters): FeeEscrowClient {
  const { publicClient, walletClient, account } = params.clients;
  const contract = { address: params.escrow, abi: feeEscrowAbi } as const;
  const timeout = params.confirmationTimeoutMs ?? 60_000;
  const isSettled = (batchId: bigint) =>
    publicClient.readContract({ ...contract, functionName: "isSettled", args: [account.address, batchId] });

  return {
    availableOf(payer) {
      return publicClient.readContract({ ...contract, functionName: "availableOf", args: [payer] });
    },
    async settleBatch({ batchId, batch, charges, credits }) {
      // A settlement sent before a crash may have landed: the contract would refuse a second one.
      if (await isSettled(batchId)) return { outcome: "already_settled", txHash: null };
      const { request } = await publicClient.simulateContract({
        ...contract,
        account,
        functionName: "settleBatch",
        args: [batchId, batch, charges, credits],
      });
      const txHash = await walletClient.writeContract(request);
      const receipt = await publicClient.waitForTransactionReceipt({ hash: txHash, timeout, pollingInterval: 500 });
      if (receipt.status === "success") return { outcome: "settled", txHash };
      // Reverted: an earlier transaction for the same batch (still pending at the check) won the race.
      if (await isSettled(batchId)) return { outcome: "already_settled", txHash: null };
      throw new FeeEscrowClientError(`settleBatch for batch ${batchId} reverted (tx ${txHash}).`);
    },
  };
}
