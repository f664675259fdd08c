import "dotenv/config";
import { ConfigError, loadRelayerConfig } from "./config";
import { startRelayer } from "./server";
import { batcherHooksFromEnv } from "./test-hooks";

/** `node dist/src/relayer/main.js`: configuration from the environment (and .env), errors as sentences. */
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
