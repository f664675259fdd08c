import { execFileSync } from "node:child_process";
import path from "node:path";

/**
 * Compiles the contracts once, before any test file runs. Every local chain a test starts runs
 * Hardhat's compile task in its own fork; with two files at a time, two forks that found the
 * artifacts stale (after `hardhat coverage`, say) compiled at once, and one read a build-info file
 * the other was still writing. Compiled here first, their compiles have nothing to write.
 */
export default function compileContracts(): void {
  const root = path.join(__dirname, "..", "..");
  execFileSync(
    process.execPath,
    [require.resolve("hardhat/internal/cli/cli", { paths: [root] }), "compile", "--quiet"],
    {
      cwd: root,
      stdio: ["ignore", "inherit", "inherit"],
    },
  );
}
