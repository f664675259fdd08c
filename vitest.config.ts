import { defineConfig } from "vitest/config";

export default defineConfig({
  // The web page's components (web/src) use React's automatic JSX runtime.
  esbuild: { jsx: "automatic" },
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts", "web/src/**/*.test.{ts,tsx}"],
    // Contract tests run under Hardhat's mocha runner (npm run test:contracts).
    exclude: ["test/contracts/**", "node_modules/**", "dist/**"],
    setupFiles: ["test/setup/ts-node.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
  },
});
