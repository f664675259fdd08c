export * from "./app";
export * from "./server";
export * from "./serve";
export * from "./dataset/load-dataset";
export * from "./retrieval/model";
export { detectLanguage } from "./retrieval/language";
export { countTokens } from "./retrieval/normalize";
export type { ChatCompletion } from "./http/chat-completion";
export type { OpenAiErrorBody } from "./http/errors";
