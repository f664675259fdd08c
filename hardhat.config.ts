import path from "node:path";
import { subtask, task, type HardhatUserConfig } from "hardhat/config";
import type { NetworksUserConfig } from "hardhat/types";
import type { ChainConfig } from "@nomicfoundation/hardhat-verify/types";
import {
  TASK_COMPILE,
  TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD,
  TASK_COMPILE_SOLIDITY_RUN_SOLCJS,
} from "hardhat/builtin-tasks/task-names";
import { writeAbiModule } from "./scripts/lib/write-abis";
import "@nomicfoundation/hardhat-toolbox";
import "dotenv/config";
import { HardhatPluginError } from "hardhat/plugins";

/**
 * The exact compiler version. It must equal the `solc` version pinned in package.json:
 * machines here cannot download compilers, so Hardhat is pointed at the solc-js build that
 * npm installed instead of fetching a native one.
 */
export const SOLC_VERSION = "0.8.28";

subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD).setAction(async (args: { solcVersion: string }, _hre, runSuper) => {
  if (args.solcVersion !== SOLC_VERSION) {
    return runSuper(args);
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const solcPackage = require("solc/package.json") as { version: string };
  if (solcPackage.version !== SOLC_VERSION) {
    throw new Error(
      `npm package solc is ${solcPackage.version} but hardhat.config.ts pins ${SOLC_VERSION}; run npm ci.`,
    );
  }
  return {
    compilerPath: path.join(path.dirname(require.resolve("solc/package.json")), "soljson.js"),
    isSolcJs: true,
    version: SOLC_VERSION,
    longVersion: `${SOLC_VERSION}+commit.7893614a`,
  };
});

type SolcOutput = {
  errors?: { severity: string; formattedMessage?: string; message: string; sourceLocation?: { file: string } }[];
};

// Compiler warnings are errors for the project's own sources (dependencies are not ours to fix).
// solidity-coverage's instrumentation adds unused variables, so its builds are exempt.
subtask(TASK_COMPILE_SOLIDITY_RUN_SOLCJS).setAction(async (args, hre, runSuper) => {
  const output = (await runSuper(args)) as SolcOutput;
  if ((hre as { __SOLIDITY_COVERAGE_RUNNING?: boolean }).__SOLIDITY_COVERAGE_RUNNING) return output;
  const warnings = (output.errors ?? []).filter(
    (e) => e.severity === "warning" && e.sourceLocation?.file.startsWith("contracts/"),
  );
  if (warnings.length > 0) {
    const text = warnings.map((w) => w.formattedMessage ?? w.message).join("\n");
    throw new HardhatPluginError("kho", `Solidity compiler warnings are treated as errors:\n${text}`);
  }
  return output;
});

// After every compile, refresh src/protocol/abis.ts so TypeScript code gets typed ABIs.
task(TASK_COMPILE).setAction(async (args, hre, runSuper) => {
  const result = await runSuper(args);
  await writeAbiModule(hre);
  return result;
});

/**
 * Public testnets with their chain ids. Their RPC URLs come from the environment only (no provider is
 * built in), and a preset exists once its URL is set: `--network sepolia` needs KHO_SEPOLIA_RPC_URL.
 */
const TESTNET_PRESETS = {
  sepolia: { chainId: 11155111, urlVariable: "KHO_SEPOLIA_RPC_URL" },
  "base-sepolia": { chainId: 84532, urlVariable: "KHO_BASE_SEPOLIA_RPC_URL" },
  "optimism-sepolia": { chainId: 11155420, urlVariable: "KHO_OPTIMISM_SEPOLIA_RPC_URL" },
  "arbitrum-sepolia": { chainId: 421614, urlVariable: "KHO_ARBITRUM_SEPOLIA_RPC_URL" },
} as const;

function envChainId(): number | undefined {
  const value = process.env.KHO_CHAIN_ID?.trim();
  if (!value) return undefined;
  if (!/^[1-9][0-9]*$/.test(value)) throw new Error(`KHO_CHAIN_ID must be a positive integer, got "${value}".`);
  return Number(value);
}

const deployerKey = process.env.KHO_PRIVATE_KEY?.trim();
const accounts = deployerKey ? [deployerKey] : [];
const rpcUrl = process.env.KHO_RPC_URL?.trim();
const remoteChainId = envChainId();

const envNetworks: NetworksUserConfig = {};
// `remote`: any EVM chain. With KHO_CHAIN_ID set, Hardhat refuses to send to an RPC of another chain.
if (rpcUrl) envNetworks.remote = { url: rpcUrl, accounts, ...(remoteChainId ? { chainId: remoteChainId } : {}) };
for (const [name, preset] of Object.entries(TESTNET_PRESETS)) {
  const url = process.env[preset.urlVariable]?.trim();
  if (url) envNetworks[name] = { url, chainId: preset.chainId, accounts };
}

// Verification (`npm run verify -- --network <name>`): Sourcify needs no key; Etherscan's v2 API
// takes one key for every chain it serves. KHO_VERIFY_API_URL and KHO_VERIFY_BROWSER_URL describe
// an Etherscan-compatible explorer for the `remote` network (which then needs KHO_CHAIN_ID).
const verifyApiUrl = process.env.KHO_VERIFY_API_URL?.trim();
const verifyBrowserUrl = process.env.KHO_VERIFY_BROWSER_URL?.trim();
const etherscanApiKey = process.env.KHO_ETHERSCAN_API_KEY?.trim();
const customChains: ChainConfig[] = [];
if (verifyApiUrl) {
  if (!remoteChainId || !verifyBrowserUrl) {
    throw new Error("KHO_VERIFY_API_URL needs KHO_CHAIN_ID and KHO_VERIFY_BROWSER_URL as well.");
  }
  customChains.push({
    network: "remote",
    chainId: remoteChainId,
    urls: { apiURL: verifyApiUrl, browserURL: verifyBrowserUrl },
  });
}

const config: HardhatUserConfig = {
  solidity: {
    version: SOLC_VERSION,
    settings: {
      optimizer: { enabled: true, runs: 200 },
      evmVersion: "cancun",
    },
  },
  networks: {
    hardhat: {
      // The relayer and demo move time forward with evm_increaseTime; keep mining automatic.
      chainId: 31337,
    },
    localhost: { url: "http://127.0.0.1:8545" },
    ...envNetworks,
  },
  etherscan: {
    enabled: etherscanApiKey !== undefined && etherscanApiKey !== "",
    apiKey: etherscanApiKey ?? "",
    customChains,
  },
  sourcify: { enabled: true },
  gasReporter: {
    enabled: process.env.REPORT_GAS === "1",
    currency: "USD",
    offline: true,
  },
  typechain: {
    outDir: "typechain-types",
    target: "ethers-v6",
  },
  paths: {
    tests: "test/contracts",
  },
  mocha: {
    timeout: 120_000,
  },
};

export default config;
