export * from "./eip712";
export * from "./receipt";
export * from "./merkle";
export * from "./epoch";
export * from "./abis";
export * from "./canonical-json";
export * from "./input-hash";
export * from "./receipt-json";
