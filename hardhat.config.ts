import path from "node:path";
import { subtask, task, type HardhatUserConfig } from "hardhat/config";
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

subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD).setAction(
  async (args: { solcVersion: string }, _hre, runSuper) => {
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
  },
);

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

const rpcUrl = process.env.KHO_RPC_URL;
const deployerKey = process.env.KHO_PRIVATE_KEY;

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
    ...(rpcUrl
      ? {
          remote: {
            url: rpcUrl,
            accounts: deployerKey ? [deployerKey] : [],
          },
        }
      : {}),
  },
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
