import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ENV } from "../../src/cli/context";
import { relayerEnvSchema } from "../../src/relayer/config";

const ROOT = path.resolve(__dirname, "..", "..");
const readme = readFileSync(path.join(ROOT, "README.md"), "utf8");
const envExample = readFileSync(path.join(ROOT, ".env.example"), "utf8");

/** The README "Configuration" table: every `KHO_*` name in its first column. */
function documentedVariables(): Set<string> {
  const section = readme.slice(readme.indexOf("## Configuration"), readme.indexOf("## Pointing at a real EVM chain"));
  const names = new Set<string>();
  for (const row of section.split("\n").filter((line) => line.startsWith("| `KHO_"))) {
    for (const match of row.split("|")[1]!.matchAll(/`(KHO_[A-Z0-9_]+)`/g)) names.add(match[1]!);
  }
  return names;
}

// The zod schemas are the source of truth; the README table and .env.example are tested against them
// so a variable added to the code cannot be missing from the docs (or linger there after removal).
describe("configuration docs match the config schemas", () => {
  const variables = [...Object.keys(relayerEnvSchema.shape), ...Object.values(ENV)];

  it("README's configuration table lists every variable the relayer and the CLI read", () => {
    const documented = documentedVariables();
    expect(variables.filter((name) => !documented.has(name))).toEqual([]);
  });

  it(".env.example mentions every variable, set or commented out", () => {
    expect(variables.filter((name) => !new RegExp(`^#? ?${name}=`, "m").test(envExample))).toEqual([]);
  });

  it("README documents no relayer/CLI variable the code does not read (deployment and verification settings aside)", () => {
    const deployOnly =
      /^KHO_(GENESIS|EPOCH_LENGTH|BATCH_GRACE_PERIOD|UNBONDING_PERIOD|REWARD_TIMELOCK|ADMIN|POSTER|GUARDIAN|RELAYER_ADDRESS|DEPLOY_PARAMETERS|(BASE_|OPTIMISM_|ARBITRUM_)?SEPOLIA_RPC_URL|ETHERSCAN_API_KEY|VERIFY_API_URL|VERIFY_BROWSER_URL)$/;
    const known = new Set(variables);
    expect([...documentedVariables()].filter((name) => !known.has(name) && !deployOnly.test(name))).toEqual([]);
  });
});
