import type { UpstreamForwarder } from "../ports";
import { createEndpointPolicy } from "../upstream/endpoint-policy";
import { forwardChatCompletion } from "../upstream/forward-chat-completion";
import type { Resolver } from "../upstream/resolve-pinned";

export type CreateUpstreamForwarderParameters = {
  timeoutMs: number;
  maxResponseBytes: number;
  /** Loopback deployments are for local development only (KHO_ALLOW_LOOPBACK_UPSTREAMS). */
  allowLoopback: boolean;
  /** Ports endpoints may not name (KHO_UPSTREAM_BLOCKED_PORTS); default DEFAULT_BLOCKED_PORTS. */
  blockedPorts?: readonly number[];
  resolver?: Resolver;
};

/** Binds the SSRF-safe upstream client to the relayer's limits and endpoint policy. */
export function createUpstreamForwarder(params: CreateUpstreamForwarderParameters): UpstreamForwarder {
  const policy = createEndpointPolicy({ allowLoopback: params.allowLoopback, blockedPorts: params.blockedPorts });
  return async ({ endpoint, body, signal }) => {
    const result = await forwardChatCompletion({
      endpoint,
      body,
      signal,
      timeoutMs: params.timeoutMs,
      maxResponseBytes: params.maxResponseBytes,
      policy,
      resolver: params.resolver,
    });
    return { ...result, completion: result.completion as Record<string, unknown> };
  };
}
