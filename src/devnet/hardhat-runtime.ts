import path from "node:path";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

/** Root of the Kho checkout (where hardhat.config.ts lives). */
export const PROJECT_ROOT = path.resolve(
  __dirname,
  "..",
  "..",
  __dirname.includes(`${path.sep}dist${path.sep}`) ? ".." : "",
);

let runtime: HardhatRuntimeEnvironment | undefined;

/**
 * Loads Hardhat's runtime for the project's own config, whatever the current directory is.
 * Hardhat reads its config path from HARDHAT_CONFIG, so it is set before the first require.
 */
export function loadHardhat(): HardhatRuntimeEnvironment {
  if (runtime) return runtime;
  process.env.HARDHAT_CONFIG ??= path.join(PROJECT_ROOT, "hardhat.config.ts");
  process.env.HARDHAT_NETWORK ??= "hardhat";
  // Hardhat's CLI registers ts-node for a TypeScript config; loaded as a library it does not.
  if (!(process as unknown as Record<symbol, unknown>)[Symbol.for("ts-node.register.instance")]) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require("ts-node").register({ transpileOnly: true, project: path.join(PROJECT_ROOT, "tsconfig.json") });
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  runtime = require("hardhat") as HardhatRuntimeEnvironment;
  return runtime;
}
