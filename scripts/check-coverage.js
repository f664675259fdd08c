#!/usr/bin/env node
// Enforces the contract coverage floor after `hardhat coverage` (mocks are excluded in .solcover.js).
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const FLOOR = { lines: 95, branches: 90 };
const summaryPath = path.join(__dirname, "..", "coverage", "coverage-summary.json");

if (!fs.existsSync(summaryPath)) {
  console.error(`No coverage summary at ${summaryPath}: run \`npx hardhat coverage\` first.`);
  process.exit(1);
}
const summary = JSON.parse(fs.readFileSync(summaryPath, "utf8"));
const failures = [];
for (const [file, data] of Object.entries(summary)) {
  if (file === "total") continue;
  for (const [metric, floor] of Object.entries(FLOOR)) {
    if (data[metric].pct < floor)
      failures.push(`${path.relative(process.cwd(), file)}: ${metric} ${data[metric].pct}% < ${floor}%`);
  }
}
for (const [metric, floor] of Object.entries(FLOOR)) {
  const pct = summary.total[metric].pct;
  console.log(`contracts ${metric}: ${pct}% (floor ${floor}%)`);
  if (pct < floor) failures.push(`total ${metric} ${pct}% < ${floor}%`);
}
if (failures.length > 0) {
  console.error(`Coverage below the floor:\n  ${failures.join("\n  ")}`);
  process.exit(1);
}
