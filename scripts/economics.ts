/**
 * `npm run economics [-- --quick]`: every attack of docs/rewards.md against the honest baseline,
 * through the real calculator; exits 1 when any scenario or thesis cell fails.
 */
import { runEconomics } from "../src/rewards/economics";

const quick = process.argv.includes("--quick");
const { pass } = runEconomics({ quick, onLine: (line) => process.stdout.write(`${line}\n`) });
process.exitCode = pass ? 0 : 1;
