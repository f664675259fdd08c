"use strict";
/**
 * Loads TypeScript through esbuild's per-file transform instead of ts-node, for processes that run
 * from source (the rewards-epoch bench child, vitest's forks, the relayer processes tests start):
 * ts-node spent seconds of a fresh process's CPU (and each worker thread's) in the TypeScript
 * compiler, a cost the compiled `kho` CLI never pays. Worker threads inherit it through
 * execArgv (`-r`), so their `require.extensions[".ts"]` is set before the pools look for ts-node.
 * Types are not checked here; `npm run typecheck` does that.
 */
const fs = require("node:fs");
const { transformSync } = require("esbuild");

require.extensions[".ts"] = (module, filename) => {
  const { code } = transformSync(fs.readFileSync(filename, "utf8"), {
    loader: "ts",
    format: "cjs",
    target: "node20",
    sourcefile: filename,
    sourcemap: "inline",
  });
  module._compile(code, filename);
};
