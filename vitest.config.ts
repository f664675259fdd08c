import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // Contract tests run under Hardhat's mocha runner (npm run test:contracts).
    exclude: ["test/contracts/**", "node_modules/**", "dist/**"],
    setupFiles: ["test/setup/ts-node.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
  },
});
