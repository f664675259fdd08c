#!/usr/bin/env node
"use strict";
// The `kho` command runs the compiled CLI (npm ci builds it through the `prepare` script).
const path = require("node:path");
const fs = require("node:fs");

const entry = path.join(__dirname, "..", "dist", "src", "cli", "main.js");
if (!fs.existsSync(entry)) {
  process.stderr.write("kho is not built yet: run `npm run build` in the Kho checkout first.\n");
  process.exit(1);
}
require(entry).main(process.argv).catch((error) => {
  process.stderr.write(`kho: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
