export * from "./errors";
export { type IpAddress, parseIpAddress, formatIpAddress } from "./ip-address";
export { type IpRange, parseCidr, rangeContains } from "./ip-cidr";
export {
  type IpBlockReason,
  type EmbeddedIpv4Kind,
  type IpClassification,
  classifyIp,
  classifyIpAddress,
} from "./ip-policy";
export {
  type EndpointPolicyConfig,
  type EndpointPolicy,
  type AddressVerdict,
  type ValidatedEndpoint,
  createEndpointPolicy,
  defaultEndpointPolicy,
  checkAddress,
  assertAddressAllowed,
  validateEndpoint,
  isLocalhostName,
  isValidHostname,
  normalizeHostname,
} from "./endpoint-policy";
export {
  type ResolvedAddress,
  type Resolver,
  type ResolvePinnedParameters,
  type ResolvePinnedReturnType,
  type ResolvePinnedErrorType,
  systemResolver,
  resolvePinned,
} from "./resolve-pinned";
export { type ChatCompletion, chatCompletionSchema } from "./chat-completion-schema";
export {
  type ForwardChatCompletionParameters,
  type ForwardChatCompletionReturnType,
  type ForwardChatCompletionErrorType,
  forwardChatCompletion,
} from "./forward-chat-completion";
export {
  type ForwardChatCompletionStreamReturnType,
  type UpstreamStreamEvent,
  forwardChatCompletionStream,
} from "./forward-chat-completion";
export {
  type DeploymentSettings,
  DeploymentSettingsError,
  deploymentSettingsFileSchema,
  parseDeploymentSettings,
  readDeploymentSettingsFile,
  upstreamAuthHeaders,
} from "./deployment-settings";
