import path from "node:path";
import { defineConfig } from "vitest/config";

export default defineConfig({
  // The web page's components (web/src) use React's automatic JSX runtime.
  esbuild: { jsx: "automatic" },
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts", "web/src/**/*.test.{ts,tsx}"],
    // Contract tests run under Hardhat's mocha runner (npm run test:contracts).
    exclude: ["test/contracts/**", "node_modules/**", "dist/**"],
    setupFiles: ["test/setup/ts-node.ts"],
    globalSetup: ["test/setup/compile-contracts.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    // Two files at a time even on a 2-core machine (vitest's default there is one): the end-to-end
    // files spend most of their time waiting on Hardhat chains, relayer processes and PostgreSQL.
    maxWorkers: 2,
    poolOptions: {
      forks: {
        // Worker threads (the receipt signer, batch builder and reward pools) inherit `-r` and load
        // the TypeScript sources through esbuild; without it each one loaded ts-node and the
        // TypeScript compiler, seconds of CPU for every relayer a test starts.
        execArgv: ["-r", path.join(__dirname, "scripts", "esbuild-register.js")],
      },
    },
  },
});
