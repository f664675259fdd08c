export { runEconomics } from "./run-economics";
