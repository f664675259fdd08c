import {
  type Account,
  type Address,
  type Chain,
  type Hash,
  type Hex,
  type PublicClient,
  type Transport,
  type WalletClient,
  createPublicClient,
  createWalletClient,
  defineChain,
  http,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";

/** Addresses of one Kho deployment. */
export type KhoAddresses = {
  KhoToken: Address;
  CommunityRegistry: Address;
  ModelRegistry: Address;
  DatasetStaking: Address;
  UsageLedger: Address;
  RewardDistributor: Address;
  FeeEscrow: Address;
};

export type CreateKhoClientParameters = {
  /** JSON-RPC URL of any EVM chain. */
  rpcUrl: string;
  /** Chain id (from the deployment file, or `eth_chainId`). */
  chainId: number;
  addresses: KhoAddresses;
  /** Signs transactions; read-only when omitted. */
  account?: Account | Hex;
  /** Confirmations to wait for after each transaction (1 on a dev chain). */
  confirmations?: number;
  /** Block the contracts were deployed in: event scans (e.g. listMembers) start here instead of block 0. */
  deploymentBlock?: bigint;
  /** Called as each transaction is sent and confirmed (progress output, logging). */
  onTransaction?: (event: TransactionEvent) => void;
};

/** Progress of one transaction sent by an action. */
export type TransactionEvent =
  | { stage: "sent"; functionName: string; hash: Hash }
  | { stage: "confirmed"; functionName: string; hash: Hash; blockNumber: bigint };

export type KhoClient = {
  chain: Chain;
  addresses: KhoAddresses;
  public: PublicClient<Transport, Chain>;
  /** Present when an account was given. */
  wallet?: WalletClient<Transport, Chain, Account>;
  account?: Account;
  confirmations: number;
  deploymentBlock: bigint;
  onTransaction?: (event: TransactionEvent) => void;
};

export type CreateKhoClientErrorType = Error;

export function khoChain(chainId: number, rpcUrl: string): Chain {
  return defineChain({
    id: chainId,
    name: chainId === 31337 ? "Hardhat" : `EVM chain ${chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
}

/** A typed viem client pair bound to one Kho deployment. */
export function createKhoClient(parameters: CreateKhoClientParameters): KhoClient {
  const chain = khoChain(parameters.chainId, parameters.rpcUrl);
  const transport = http(parameters.rpcUrl, { retryCount: 2 });
  const publicClient = createPublicClient({ chain, transport, pollingInterval: 250 });
  const account = typeof parameters.account === "string" ? privateKeyToAccount(parameters.account) : parameters.account;
  const wallet = account ? createWalletClient({ chain, transport, account, pollingInterval: 250 }) : undefined;
  return {
    chain,
    addresses: parameters.addresses,
    public: publicClient,
    wallet,
    account,
    confirmations: parameters.confirmations ?? 1,
    deploymentBlock: parameters.deploymentBlock ?? 0n,
    onTransaction: parameters.onTransaction,
  };
}

/** A write action was called on a read-only client. */
export class KhoMissingAccountError extends Error {
  override name = "KhoMissingAccountError";
  constructor(readonly action: string) {
    super(`${action} sends a transaction: give the client an account (private key)`);
  }
}

/** The address that signs, or the missing-account error naming the action. */
export function requireAccount(client: KhoClient, action: string): Address {
  return requireWallet(client, action).account.address;
}

/** The wallet half of a client, or a clear error naming the action that needed it. */
export function requireWallet(client: KhoClient, action: string): WalletClient<Transport, Chain, Account> {
  if (!client.wallet) throw new KhoMissingAccountError(action);
  return client.wallet;
}
