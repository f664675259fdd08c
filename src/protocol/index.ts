// Browser-safe: the web page bundles this index, so modules that need Node (the deployment file
// reader in ./deployment) are imported from their own files instead.
export * from "./eip712";
export * from "./receipt";
export * from "./receipt-digest";
export * from "./merkle";
export * from "./epoch";
export * from "./abis";
export * from "./canonical-json";
export * from "./input-hash";
export * from "./chat-stream";
export * from "./receipt-json";
export * from "./batch-file";
export * from "./batch-header";
export * from "./zod-issue";
export * from "./errors";
export * from "./cumulative-tree";
export * from "./token-units";
export * from "./attribution";
export * from "./dataset-file";
export * from "./dataset-content-hash";
