import fs from "node:fs";
import path from "node:path";
import type { Abi, Hex } from "viem";
import { BenchError } from "../lib/types";

export type CompiledContract = { abi: Abi; bytecode: Hex };

type SolcOutput = {
  errors?: { severity: string; formattedMessage: string }[];
  contracts: Record<string, Record<string, { abi: Abi; evm: { bytecode: { object: string } } }>>;
};

type Solc = {
  version(): string;
  compile(input: string, callbacks: { import(file: string): { contents: string } | { error: string } }): string;
};

/**
 * Compiles the baseline contracts of bench/contracts with the solc-js build and settings Kho's own
 * contracts use (the caller passes hardhat.config.ts's compiler), without Hardhat: they are bench fixtures, so the project's compile,
 * typechain, ABI module, coverage and lint never see them.
 */
export function compileBaselines(
  names: readonly string[],
  compiler: { version: string; settings: { optimizer?: unknown; evmVersion?: string } },
): Record<string, CompiledContract> {
  const solcVersion = compiler.version;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const solc = require("solc") as Solc;
  if (!solc.version().startsWith(`${solcVersion}+`)) {
    throw new BenchError(`npm package solc is ${solc.version()} but hardhat.config.ts pins ${solcVersion}`);
  }
  const sources: Record<string, { content: string }> = {};
  for (const name of names) {
    sources[`${name}.sol`] = { content: fs.readFileSync(path.join(__dirname, `${name}.sol`), "utf8") };
  }
  const input = {
    language: "Solidity",
    sources,
    settings: {
      optimizer: compiler.settings.optimizer,
      evmVersion: compiler.settings.evmVersion,
      outputSelection: { "*": { "*": ["abi", "evm.bytecode.object"] } },
    },
  };
  // A baseline's own imports ("./BaselineLedger.sol") reach solc as names beside it; others are packages.
  const findImport = (file: string) => {
    const local = path.join(__dirname, file);
    try {
      return { contents: fs.readFileSync(fs.existsSync(local) ? local : require.resolve(file), "utf8") };
    } catch {
      return { error: `not found: ${file}` };
    }
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImport })) as SolcOutput;
  const problems = (output.errors ?? []).filter((e) => e.severity === "error" || e.severity === "warning");
  if (problems.length > 0)
    throw new BenchError(
      `baseline contracts do not compile cleanly:\n${problems.map((e) => e.formattedMessage).join("\n")}`,
    );
  const compiled: Record<string, CompiledContract> = {};
  for (const name of names) {
    const contract = output.contracts[`${name}.sol`]?.[name];
    if (!contract) throw new BenchError(`solc produced no ${name}`);
    compiled[name] = { abi: contract.abi, bytecode: `0x${contract.evm.bytecode.object}` };
  }
  return compiled;
}
