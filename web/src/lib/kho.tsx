import { type ReactNode, createContext, useCallback, useContext, useEffect, useMemo, useState } from "react";
import {
  type Address,
  type Chain,
  type EIP1193Provider,
  type PublicClient,
  type WalletClient,
  createPublicClient,
  createWalletClient,
  custom,
  defineChain,
  http,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { DevAccount, KhoConfig } from "./config";
import { WrongNetworkError } from "./errors";

export type Connected = {
  address: Address;
  wallet: WalletClient;
  source: string;
  /** The browser wallet behind `wallet`, whose account and chain changes the page follows. */
  provider?: EIP1193Provider;
};

export type Kho = {
  config: KhoConfig;
  chain: Chain;
  publicClient: PublicClient;
  connected: Connected | null;
  connectDev(account: DevAccount): void;
  connectInjected(): Promise<void>;
  disconnect(): void;
  /** Why the page let go of a browser wallet (it switched chain or shared no account), in one sentence. */
  walletNotice: string | null;
  /** Bumped after every transaction so panels re-read the chain. */
  version: number;
  refresh(): void;
};

const KhoContext = createContext<Kho | null>(null);

declare global {
  interface Window {
    ethereum?: EIP1193Provider;
  }
}

export function KhoProvider(props: { config: KhoConfig; children: ReactNode }) {
  const { config } = props;
  const chain = useMemo(
    () =>
      defineChain({
        id: config.deployment.chainId,
        name: config.deployment.chainId === 31337 ? "Kho local dev" : `Kho chain ${config.deployment.chainId}`,
        nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
        rpcUrls: { default: { http: [config.rpcUrl] } },
      }),
    [config],
  );
  const publicClient = useMemo(
    () => createPublicClient({ chain, transport: http(config.rpcUrl), pollingInterval: 250 }) as PublicClient,
    [chain, config.rpcUrl],
  );
  const [connected, setConnected] = useState<Connected | null>(null);
  const [walletNotice, setWalletNotice] = useState<string | null>(null);
  const [version, setVersion] = useState(0);
  const refresh = useCallback(() => setVersion((v) => v + 1), []);

  const connectDev = useCallback(
    (account: DevAccount) => {
      const local = privateKeyToAccount(account.privateKey);
      const wallet = createWalletClient({ chain, account: local, transport: http(config.rpcUrl) });
      setConnected({ address: local.address, wallet, source: `dev account: ${account.label}` });
    },
    [chain, config.rpcUrl],
  );

  const connectInjected = useCallback(async () => {
    const provider = window.ethereum;
    if (!provider) throw new Error("No browser wallet found; install one or use a dev account.");
    const probe = createWalletClient({ chain, transport: custom(provider) });
    const [address] = await probe.requestAddresses();
    if (!address) throw new Error("Your wallet shared no account.");
    const walletChainId = await probe.getChainId();
    if (walletChainId !== chain.id) throw new WrongNetworkError(walletChainId, chain.id);
    const wallet = createWalletClient({ chain, account: address, transport: custom(provider) });
    setWalletNotice(null);
    setConnected({ address, wallet, source: "browser wallet", provider });
  }, [chain]);

  // A browser wallet may switch account or chain at any time (EIP-1193 events): follow the
  // account, and let go of a wallet that left the deployment's chain rather than send there.
  const provider = connected?.provider;
  useEffect(() => {
    if (!provider) return;
    const onAccounts = (accounts: readonly Address[]) => {
      const [address] = accounts;
      if (!address) {
        setConnected(null);
        setWalletNotice("Your wallet stopped sharing an account with this page; connect it again to continue.");
        return;
      }
      const wallet = createWalletClient({ chain, account: address, transport: custom(provider) });
      setConnected({ address, wallet, source: "browser wallet", provider });
    };
    const onChain = (chainId: string) => {
      if (Number(chainId) === chain.id) return;
      setConnected(null);
      setWalletNotice(new WrongNetworkError(Number(chainId), chain.id).message);
    };
    provider.on("accountsChanged", onAccounts);
    provider.on("chainChanged", onChain);
    return () => {
      provider.removeListener("accountsChanged", onAccounts);
      provider.removeListener("chainChanged", onChain);
    };
  }, [provider, chain]);

  const value = useMemo<Kho>(
    () => ({
      config,
      chain,
      publicClient,
      connected,
      connectDev,
      connectInjected,
      disconnect: () => setConnected(null),
      walletNotice,
      version,
      refresh,
    }),
    [config, chain, publicClient, connected, connectDev, connectInjected, walletNotice, version, refresh],
  );
  return <KhoContext.Provider value={value}>{props.children}</KhoContext.Provider>;
}

export function useKho(): Kho {
  const kho = useContext(KhoContext);
  if (!kho) throw new Error("useKho outside KhoProvider");
  return kho;
}
