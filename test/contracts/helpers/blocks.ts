import { network } from "hardhat";
import type { ContractTransactionResponse } from "ethers";

/**
 * Sends every transaction produced by `send` into one block: automine is switched off, the transactions are
 * queued, one block is mined, and automine is restored even if `send` throws. Transactions must carry an
 * explicit `gasLimit`, because estimating gas against the latest block would not see the queued ones.
 */
export async function inOneBlock(
  send: () => Promise<ContractTransactionResponse[]>,
): Promise<ContractTransactionResponse[]> {
  await network.provider.send("evm_setAutomine", [false]);
  try {
    const sent = await send();
    await network.provider.send("evm_mine", []);
    return sent;
  } finally {
    await network.provider.send("evm_setAutomine", [true]);
  }
}
