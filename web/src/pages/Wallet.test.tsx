// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { decodeFunctionData, encodeFunctionResult, parseUnits } from "viem";
import { afterEach, describe, expect, it, vi } from "vitest";
import { khoTokenAbi } from "../../../src/protocol/abis";
import { parseConfig } from "../lib/config";
import { KhoProvider } from "../lib/kho";
import { WalletBar } from "./Wallet";

const TOKEN = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const config = parseConfig(
  {
    deployment: {
      chainId: 31337,
      blockNumber: "1",
      contracts: {
        KhoToken: TOKEN,
        CommunityRegistry: "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512",
        DatasetStaking: "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0",
        ModelRegistry: "0xCf7Ed3AccA5a467e9e704C703E8D87F634fB0Fc9",
        UsageLedger: "0xDc64a140Aa3E981100a9becA4E685f962f0cF6C9",
        RewardDistributor: "0x5FC8d32690cc91D4c39d9d3abcBD16989F875707",
      },
      epoch: { genesis: "0", length: "604800", batchGracePeriod: "3600" },
    },
    rpcUrl: "/rpc",
    relayerUrl: "/relayer/",
    devAccounts: [
      {
        label: "early staker",
        address: "0x71bE63f3384f5fb98995898A86B02Fb2426c5788",
        privateKey: "0x701b615bbdfb9de65240bc28bd21bbc0d996645a3dd57e7b12bc2bdf6f192c82",
      },
    ],
  },
  "http://127.0.0.1:5173/",
);

/** A JSON-RPC endpoint that knows one thing: the token balance of whoever asks. */
function fakeChain(balance: bigint) {
  const calls: string[] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (url: string, init: { body: string }) => {
      const request = JSON.parse(init.body) as {
        id: number;
        method: string;
        params: [{ to: string; data: `0x${string}` }];
      };
      calls.push(`${url} ${request.method}`);
      const { functionName, args } = decodeFunctionData({ abi: khoTokenAbi, data: request.params[0].data });
      expect(functionName).toBe("balanceOf");
      expect(args).toEqual(["0x71bE63f3384f5fb98995898A86B02Fb2426c5788"]);
      const result = encodeFunctionResult({ abi: khoTokenAbi, functionName: "balanceOf", result: balance });
      return new Response(JSON.stringify({ jsonrpc: "2.0", id: request.id, result }), {
        headers: { "content-type": "application/json" },
      });
    }),
  );
  return calls;
}

/** A JSON-RPC endpoint that answers every token balance with 0. */
function zeroBalances() {
  vi.stubGlobal(
    "fetch",
    vi.fn(async (_url: string, init: { body: string }) => {
      const request = JSON.parse(init.body) as { id: number };
      const result = encodeFunctionResult({ abi: khoTokenAbi, functionName: "balanceOf", result: 0n });
      return new Response(JSON.stringify({ jsonrpc: "2.0", id: request.id, result }), {
        headers: { "content-type": "application/json" },
      });
    }),
  );
}

/** An injected EIP-1193 wallet on `chainId` sharing `account`, whose events the test fires. */
function fakeInjectedWallet(account: string, chainId: number) {
  const listeners = new Map<string, Set<(value: unknown) => void>>();
  const provider = {
    request: vi.fn(async ({ method }: { method: string }) => {
      if (method === "eth_requestAccounts" || method === "eth_accounts") return [account];
      if (method === "eth_chainId") return `0x${chainId.toString(16)}`;
      throw new Error(`the fake wallet does not answer ${method}`);
    }),
    on: (event: string, listener: (value: unknown) => void) => {
      const set = listeners.get(event) ?? new Set();
      set.add(listener);
      listeners.set(event, set);
    },
    removeListener: (event: string, listener: (value: unknown) => void) => listeners.get(event)?.delete(listener),
  };
  vi.stubGlobal("ethereum", provider);
  return {
    emit: async (event: string, value: unknown) => listeners.get(event)?.forEach((l) => l(value)),
    listenerCount: () => [...listeners.values()].reduce((n, set) => n + set.size, 0),
  };
}

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe("WalletBar", () => {
  it("resolves the config's relative URLs against the page", () => {
    expect(config.rpcUrl).toBe("http://127.0.0.1:5173/rpc");
    expect(config.relayerUrl).toBe("http://127.0.0.1:5173/relayer");
  });

  it("connects a labelled dev account and shows its token balance read from the chain", async () => {
    const calls = fakeChain(parseUnits("874.5", 18));
    render(
      <KhoProvider config={config}>
        <WalletBar />
      </KhoProvider>,
    );
    fireEvent.change(screen.getByLabelText("or a dev account"), {
      target: { value: "0x71bE63f3384f5fb98995898A86B02Fb2426c5788" },
    });
    await waitFor(() => expect(screen.getByTestId("wallet-balance").textContent).toBe("874.5 KHO"));
    expect(screen.getByText("(dev account: early staker)")).toBeTruthy();
    expect(calls).toEqual(["http://127.0.0.1:5173/rpc eth_call"]);
  });

  it("says in one sentence that no browser wallet is installed", async () => {
    render(
      <KhoProvider config={config}>
        <WalletBar />
      </KhoProvider>,
    );
    fireEvent.click(screen.getByRole("button", { name: "Connect browser wallet" }));
    await waitFor(() =>
      expect(screen.getByRole("alert").textContent).toBe("No browser wallet found; install one or use a dev account."),
    );
  });
});

describe("WalletBar with a browser wallet", () => {
  const first = "0x71bE63f3384f5fb98995898A86B02Fb2426c5788";
  const second = "0xFABB0ac9d68B0B445fB7357272Ff202C5651694a";

  async function connect(chainId = 31337) {
    zeroBalances();
    const wallet = fakeInjectedWallet(first, chainId);
    render(
      <KhoProvider config={config}>
        <WalletBar />
      </KhoProvider>,
    );
    fireEvent.click(screen.getByRole("button", { name: "Connect browser wallet" }));
    return wallet;
  }

  it("follows the wallet to the account it switches to", async () => {
    const wallet = await connect();
    await waitFor(() => expect(screen.getByTitle(first)).toBeTruthy());
    await wallet.emit("accountsChanged", [second]);
    await waitFor(() => expect(screen.getByTitle(second)).toBeTruthy());
    expect(screen.getByText("(browser wallet)")).toBeTruthy();
  });

  it("lets go of a wallet that switches to another chain, saying so in one sentence", async () => {
    const wallet = await connect();
    await waitFor(() => expect(screen.getByTitle(first)).toBeTruthy());
    await wallet.emit("chainChanged", "0x1");
    await waitFor(() =>
      expect(screen.getByRole("alert").textContent).toBe(
        "Your wallet is on chain 1; switch it to chain 31337, where this Kho deployment lives.",
      ),
    );
    expect(screen.queryByTitle(first)).toBeNull();
    expect(wallet.listenerCount()).toBe(0);
  });

  it("lets go of a wallet that stops sharing its account", async () => {
    const wallet = await connect();
    await waitFor(() => expect(screen.getByTitle(first)).toBeTruthy());
    await wallet.emit("accountsChanged", []);
    await waitFor(() =>
      expect(screen.getByRole("alert").textContent).toBe(
        "Your wallet stopped sharing an account with this page; connect it again to continue.",
      ),
    );
    expect(screen.getByRole("button", { name: "Connect browser wallet" })).toBeTruthy();
  });

  it("refuses a wallet on another chain when connecting", async () => {
    await connect(1);
    await waitFor(() =>
      expect(screen.getByRole("alert").textContent).toBe(
        "Your wallet is on chain 1; switch it to chain 31337, where this Kho deployment lives.",
      ),
    );
  });
});

describe("config", () => {
  it("refuses a config without a ledger address, naming the field", () => {
    expect(() => parseConfig({ deployment: { chainId: 1 } }, "http://x/")).toThrow(
      /The page's config.json is invalid at deployment\./,
    );
  });
});
