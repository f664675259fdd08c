import {
  type Chain,
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
}

/**
 * Public and wallet clients for one RPC URL. The chain id is read from the node (and must equal
 * `expectedChainId` when given), so a relayer pointed at the wrong network refuses to start
 * instead of signing receipts under a domain nobody can verify.
 */
export async function createRelayerChainClients(params: {
  rpcUrl: string;
  privateKey: Hex;
  expectedChainId?: number;
}): Promise<RelayerChainClients> {
  const transport = params.rpcUrl.startsWith("ws")
    ? webSocket(params.rpcUrl)
    : http(params.rpcUrl, { timeout: 15_000 });
  const probe = createPublicClient({ transport });
  let chainId: number;
  try {
    chainId = await probe.getChainId();
  } catch (error) {
    throw new ChainConnectionError(`Could not reach the chain at ${params.rpcUrl}.`, { cause: error });
  }
  if (params.expectedChainId !== undefined && params.expectedChainId !== chainId) {
    throw new ChainConnectionError(
      `The node at ${params.rpcUrl} serves chain ${chainId}, not ${params.expectedChainId}.`,
    );
  }
  const chain = defineChain({
    id: chainId,
    name: `chain-${chainId}`,
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
