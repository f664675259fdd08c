export { type AppConfig, type AppDeps, createApp } from "./app";
export { ConfigError, type RelayerConfig, loadRelayerConfig, relayerEnvSchema } from "./config";
export { type RunningRelayer, type StartRelayerOptions, startRelayer } from "./server";
export {
  ApiKeyError,
  type CreateApiKeyParameters,
  type CreateApiKeyReturnType,
  createApiKey,
  listApiKeys,
  revokeApiKey,
} from "./auth/api-keys";
export { type RelayerStore, openStore } from "./store";
export type { ApiKeyRecord } from "./store";
export { type ReceiptSigner, createReceiptSigner } from "./signer/signer";
export { Batcher, type BatcherConfig } from "./services/batcher";
export { buildBatch } from "./services/batch-file";
export { ErrorCodes, type ErrorCode, RelayerError } from "./errors";
export type * from "./ports";
