export { runEconomics } from "./run-economics";
export type { RunEconomicsParameters, RunEconomicsReturnType } from "./run-economics";
export { honestBaseline, World } from "./world";
export type { Scenario, ScenarioResult, ThesisCell } from "./scenarios";
