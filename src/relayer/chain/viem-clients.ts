import {
  BaseError,
  type Chain,
  HttpRequestError,
  SocketClosedError,
  TimeoutError,
  WebSocketRequestError,
  type Hex,
  type PublicClient,
  type Transport,
  type WalletClient,
  createPublicClient,
  createWalletClient,
  defineChain,
  http,
  webSocket,
} from "viem";
import { type PrivateKeyAccount, privateKeyToAccount } from "viem/accounts";
import { KhoError } from "../../protocol/errors";

export type RelayerChainClients = {
  chain: Chain;
  publicClient: PublicClient<Transport, Chain>;
  walletClient: WalletClient<Transport, Chain, PrivateKeyAccount>;
  account: PrivateKeyAccount;
};

export class ChainConnectionError extends KhoError {
  override readonly name = "ChainConnectionError";
  readonly code = "chain_unreachable";
  /** True when the node did not answer at all (the relayer then starts degraded and keeps trying). */
  readonly unreachable: boolean;
  constructor(message: string, options?: { cause?: unknown; unreachable?: boolean }) {
    super(message, { cause: options?.cause });
    this.unreachable = options?.unreachable ?? false;
  }
}

/** Whether a chain call failed because the node could not be reached (as opposed to answering "no"). */
export function isChainUnreachable(error: unknown): boolean {
  if (error instanceof ChainConnectionError) return error.unreachable;
  return (
    error instanceof BaseError &&
    error.walk(
      (e) =>
        e instanceof HttpRequestError ||
        e instanceof TimeoutError ||
        e instanceof WebSocketRequestError ||
        e instanceof SocketClosedError,
    ) !== null
  );
}

/** Clients for a chain whose id is already known (from the deployment file): nothing is read yet. */
export function buildRelayerChainClients(params: {
  rpcUrl: string;
  privateKey: Hex;
  chainId: number;
}): RelayerChainClients {
  const transport = params.rpcUrl.startsWith("ws")
    ? webSocket(params.rpcUrl)
    : http(params.rpcUrl, { timeout: 15_000 });
  const chain = defineChain({
    id: params.chainId,
    name: `chain-${params.chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [params.rpcUrl] } },
  });
  const account = privateKeyToAccount(params.privateKey);
  return {
    chain,
    account,
    publicClient: createPublicClient({ chain, transport, pollingInterval: 1_000 }),
    walletClient: createWalletClient({ chain, transport, account }),
  };
}

/**
 * Asks the node for its chain id and refuses one that differs from the clients' chain, so a
 * relayer pointed at the wrong network never signs receipts under a domain nobody can verify.
 */
export async function verifyChainId(clients: RelayerChainClients, rpcUrl: string): Promise<void> {
  let chainId: number;
  try {
    chainId = await clients.publicClient.getChainId();
  } catch (error) {
    throw new ChainConnectionError(`Could not reach the chain at ${rpcUrl}.`, { cause: error, unreachable: true });
  }
  if (chainId !== clients.chain.id) {
    throw new ChainConnectionError(`The node at ${rpcUrl} serves chain ${chainId}, not ${clients.chain.id}.`);
  }
}

/** Public and wallet clients for one RPC URL whose chain id is not known beforehand: read from the node. */
export async function createRelayerChainClients(params: {
  rpcUrl: string;
  privateKey: Hex;
  expectedChainId?: number;
}): Promise<RelayerChainClients> {
  if (params.expectedChainId !== undefined) {
    const clients = buildRelayerChainClients({ ...params, chainId: params.expectedChainId });
    await verifyChainId(clients, params.rpcUrl);
    return clients;
  }
  const transport = params.rpcUrl.startsWith("ws")
    ? webSocket(params.rpcUrl)
    : http(params.rpcUrl, { timeout: 15_000 });
  let chainId: number;
  try {
    chainId = await createPublicClient({ transport }).getChainId();
  } catch (error) {
    throw new ChainConnectionError(`Could not reach the chain at ${params.rpcUrl}.`, {
      cause: error,
      unreachable: true,
    });
  }
  return buildRelayerChainClients({ ...params, chainId });
}
