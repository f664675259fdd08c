import type { JsonRpcServer } from "hardhat/types";
import { TASK_COMPILE, TASK_NODE_CREATE_SERVER } from "hardhat/builtin-tasks/task-names";
import type { HardhatNetworkHDAccountsConfig } from "hardhat/types";
import { type Address, type Hex, bytesToHex } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { type DeployKhoParameters, deployKho } from "../deploy/deploy-kho";
import type { Deployment } from "../protocol/deployment";
import { loadHardhat } from "./hardhat-runtime";

export type LocalAccount = { address: Address; privateKey: Hex };

export type StartLocalChainParameters = {
  /** Port for JSON-RPC on 127.0.0.1; 0 picks a free one. */
  port?: number;
  host?: string;
  /** How many funded accounts to expose (Hardhat's default mnemonic). */
  accounts?: number;
  /** Deploys Kho through the Ignition module unless false (default: deploy with defaults). */
  deploy?: DeployKhoParameters | false;
};

export type LocalChain = {
  rpcUrl: string;
  chainId: number;
  accounts: LocalAccount[];
  /** The deployed contracts; undefined when started with `deploy: false`. */
  deployment: Deployment | undefined;
  /** Moves the chain clock forward and mines a block. */
  increaseTime(seconds: number | bigint): Promise<void>;
  /** Sets the next block's timestamp and mines it. */
  setTime(timestamp: number | bigint): Promise<void>;
  latestTimestamp(): Promise<bigint>;
  close(): Promise<void>;
};

/**
 * Hardhat's in-process network served over real JSON-RPC on loopback, so every client (viem,
 * the relayer, the CLI in another process) talks to it the same way it would to any EVM chain.
 * Only one chain per process: it is Hardhat's singleton network.
 */
export async function startLocalChain(parameters: StartLocalChainParameters = {}): Promise<LocalChain> {
  const { port = 0, host = "127.0.0.1", accounts: accountCount = 10 } = parameters;
  const hre = loadHardhat();
  // Hardhat reports compilation on stdout; keep stdout for the command's own output.
  const log = console.log;
  console.log = (...args: unknown[]) => console.error(...args);
  try {
    await hre.run(TASK_COMPILE, { quiet: true });
  } finally {
    console.log = log;
  }

  const server = (await hre.run(TASK_NODE_CREATE_SERVER, {
    hostname: host,
    port,
    provider: hre.network.provider,
  })) as JsonRpcServer;
  const listening = await server.listen();
  const rpcUrl = `http://${host}:${listening.port}`;

  const hd = hre.config.networks.hardhat.accounts as HardhatNetworkHDAccountsConfig;
  const accounts: LocalAccount[] = [];
  for (let i = 0; i < accountCount; i++) {
    const account = mnemonicToAccount(hd.mnemonic, { addressIndex: hd.initialIndex + i, path: undefined });
    const key = account.getHdKey().privateKey;
    if (!key) throw new Error(`could not derive the private key of local account ${i}`);
    accounts.push({ address: account.address, privateKey: bytesToHex(key) });
  }

  const deployment =
    parameters.deploy === false ? undefined : (await deployKho(hre, parameters.deploy ?? {})).deployment;

  const provider = hre.network.provider;
  const latestTimestamp = async (): Promise<bigint> => {
    const block = (await provider.request({ method: "eth_getBlockByNumber", params: ["latest", false] })) as {
      timestamp: Hex;
    };
    return BigInt(block.timestamp);
  };

  return {
    rpcUrl,
    chainId: hre.network.config.chainId ?? 31337,
    accounts,
    deployment,
    latestTimestamp,
    async increaseTime(seconds) {
      await provider.request({ method: "evm_increaseTime", params: [Number(seconds)] });
      await provider.request({ method: "evm_mine", params: [] });
    },
    async setTime(timestamp) {
      await provider.request({ method: "evm_setNextBlockTimestamp", params: [Number(timestamp)] });
      await provider.request({ method: "evm_mine", params: [] });
    },
    async close() {
      await server.close();
    },
  };
}
