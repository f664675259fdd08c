/**
 * Verifies the deployed contracts' source on the network's explorers (see docs/deploy.md):
 *
 *   npm run verify -- --network <name>
 */
import hre from "hardhat";
import { verifyKho } from "../src/deploy/verify-kho";

verifyKho(hre, process.env)
  .then((failed) => {
    if (failed.length > 0) {
      console.error(`Verification failed for ${failed.join(", ")}.`);
      process.exitCode = 1;
    }
  })
  .catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
