import { formatUnits } from "viem";
import { type ScenarioResult, type ThesisCell, runScenario, scenarios, thesisTable } from "./scenarios";

export type RunEconomicsParameters = {
  /** Leave out the largest sizes (what `npm test` runs). */
  quick?: boolean;
  /** Called with each line as soon as it is known. */
  onLine?: (line: string) => void;
};

export type RunEconomicsReturnType = { scenarios: ScenarioResult[]; thesis: ThesisCell[]; pass: boolean };

function kho(value: bigint): string {
  const [whole, fraction = ""] = formatUnits(value < 0n ? -value : value, 18).split(".");
  return `${value < 0n ? "-" : ""}${whole}.${fraction.padEnd(4, "0").slice(0, 4)}`;
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + " ".repeat(width - text.length);
}

function scenarioLine(r: ScenarioResult): string {
  const cost = `fees ${kho(r.cost.fees)} + bond ${kho(r.cost.bond)} + stake-time ${kho(r.cost.stakeTime)}`;
  const verdict =
    r.bound !== undefined ? `${r.pass ? "PASS" : "FAIL"} (bound ${kho(r.bound)})` : r.pass ? "PASS" : "FAIL";
  return `${pad(r.pass ? "PASS" : "FAIL", 4)}  ${pad(`${r.group}: ${r.name}`, 62)} reward ${pad(kho(r.reward), 12)} cost ${pad(cost, 52)} net ${pad(kho(r.net), 12)} ${verdict}`;
}

function thesisLine(c: ThesisCell): string {
  return `${pad(c.pass ? "PASS" : "FAIL", 4)}  thesis: generic with ${pad(`${c.multiple}×`, 6)} paid one-off traffic (${pad(`${c.genericCalls} calls)`, 14)} local ${pad(kho(c.local), 12)} generic ${pad(kho(c.generic), 12)} local/generic ${c.generic === 0n ? "∞" : (Number((c.local * 100n) / c.generic) / 100).toFixed(2)}`;
}

/**
 * Plays every attack of issue 11 against the honest baseline through the real calculator, then the
 * thesis table. Amounts are KHO; an attack passes when its net is ≤ 0 (or, for collusion and JIT
 * stake, its reward stays within the documented bound); the thesis passes when the local model
 * out-earns the generic one in every cell.
 */
export function runEconomics(parameters: RunEconomicsParameters = {}): RunEconomicsReturnType {
  const onLine = parameters.onLine ?? (() => undefined);
  const results: ScenarioResult[] = [];
  for (const scenario of scenarios()) {
    if (parameters.quick && scenario.heavy) continue;
    const result = runScenario(scenario);
    results.push(result);
    onLine(scenarioLine(result));
  }
  const thesis = thesisTable(parameters.quick ? [1, 10, 100] : [1, 10, 100, 1_000]);
  for (const cell of thesis) onLine(thesisLine(cell));
  const pass = results.every((r) => r.pass) && thesis.every((c) => c.pass);
  onLine(
    pass
      ? "All scenarios PASS."
      : `${results.filter((r) => !r.pass).length + thesis.filter((c) => !c.pass).length} FAIL.`,
  );
  return { scenarios: results, thesis, pass };
}
