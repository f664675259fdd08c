import "dotenv/config";
import { ConfigError, loadRelayerConfig } from "../../../src/relayer/config";
import { startRelayer } from "../../../src/relayer/server";
import { batcherHooksFromEnv } from "./crash-hooks";

/** The relayer as a plain process for the crash test: config from the environment, the crash hook armed by env. */
export async function main(): Promise<void> {
  let config;
  try {
    config = loadRelayerConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`kho relayer: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  await startRelayer(config, { handleSignals: true, batcherHooks: batcherHooksFromEnv(process.env) });
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`kho relayer: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
