import { type Address, type Hex, parseEther } from "viem";
import { deployKho } from "../../../src/deploy/deploy-kho";
import { loadHardhat } from "../../../src/devnet/hardhat-runtime";
import { type LocalChain, startLocalChain } from "../../../src/devnet/local-chain";
import type { Deployment } from "../../../src/protocol/deployment";
import { type KhoClient, createKhoClient } from "../../../src/sdk";

export type KhoDevnet = {
  chain: LocalChain;
  deployment: Deployment;
  /** Account 0 deployed everything: it is the admin and owns KhoToken. */
  accounts: { address: Address; privateKey: Hex }[];
  /** A client signing as account `index`, or read-only when `index` is omitted. */
  client(index?: number): KhoClient;
  close(): Promise<void>;
};

export const UNBONDING_PERIOD = 3600n;

/** A local chain over loopback JSON-RPC with Kho deployed by the project's own deploy function. */
export async function startKhoDevnet(): Promise<KhoDevnet> {
  const chain = await startLocalChain();
  const { deployment } = await deployKho(loadHardhat(), { unbondingPeriod: UNBONDING_PERIOD });
  const client = (index?: number): KhoClient =>
    createKhoClient({
      rpcUrl: chain.rpcUrl,
      chainId: chain.chainId,
      addresses: deployment.contracts,
      account: index === undefined ? undefined : chain.accounts[index]!.privateKey,
      deploymentBlock: deployment.blockNumber,
    });
  return { chain, deployment, accounts: chain.accounts, client, close: () => chain.close() };
}

export const tokens = (amount: string): bigint => parseEther(amount);

/** A content hash that is obviously synthetic but valid (non-zero bytes32). */
export function fakeHash(n: number): Hex {
  return `0x${n.toString(16).padStart(64, "0")}`;
}
