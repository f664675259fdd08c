import type { ForwardParameters, UpstreamForwarder } from "../ports";
import { type DeploymentSettings, upstreamAuthHeaders } from "../upstream/deployment-settings";
import { createEndpointPolicy } from "../upstream/endpoint-policy";
import {
  forwardChatCompletion,
  forwardChatCompletionStream,
  type UpstreamConnections,
} from "../upstream/forward-chat-completion";
import type { Resolver } from "../upstream/resolve-pinned";

export type CreateUpstreamForwarderParameters = {
  timeoutMs: number;
  maxResponseBytes: number;
  /** Loopback deployments are for local development only (KHO_ALLOW_LOOPBACK_UPSTREAMS). */
  allowLoopback: boolean;
  /** Ports endpoints may not name (KHO_UPSTREAM_BLOCKED_PORTS); default DEFAULT_BLOCKED_PORTS. */
  blockedPorts?: readonly number[];
  /** The operator's per-deployment API keys and upstream model names (KHO_UPSTREAM_DEPLOYMENTS_FILE). */
  deploymentSettings?: ReadonlyMap<bigint, DeploymentSettings>;
  resolver?: Resolver;
  /** Keep-alive connections the calls reuse (the caller closes them); without them each call connects anew. */
  connections?: UpstreamConnections;
};

/** Binds the SSRF-safe upstream client to the relayer's limits, endpoint policy and deployment settings. */
export function createUpstreamForwarder(params: CreateUpstreamForwarderParameters): UpstreamForwarder {
  const policy = createEndpointPolicy({ allowLoopback: params.allowLoopback, blockedPorts: params.blockedPorts });
  const request = ({ deployment, body, signal }: ForwardParameters) => {
    const settings = params.deploymentSettings?.get(deployment.id);
    return {
      endpoint: deployment.endpoint,
      body: settings?.upstreamModel === undefined ? body : { ...body, model: settings.upstreamModel },
      headers: upstreamAuthHeaders(settings),
      signal,
      timeoutMs: params.timeoutMs,
      maxResponseBytes: params.maxResponseBytes,
      policy,
      resolver: params.resolver,
      connections: params.connections,
    };
  };
  return {
    async complete(call) {
      const result = await forwardChatCompletion(request(call));
      return { ...result, completion: result.completion as Record<string, unknown> };
    },
    stream: (call) => forwardChatCompletionStream(request(call)),
  };
}
