import { useEffect, useState } from "react";
import type { Abi, Address, ContractFunctionArgs, ContractFunctionName, Hash } from "viem";
import { khoTokenAbi } from "../../../src/protocol/abis";
import { describeError } from "./errors";
import type { Kho } from "./kho";

export type Loaded<T> = { data: T | undefined; error: string | null; loading: boolean };

/** Runs `load` whenever `deps` change; keeps the last data while reloading. */
export function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[]): Loaded<T> {
  const [state, setState] = useState<Loaded<T>>({ data: undefined, error: null, loading: true });
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => live && setState({ data, error: null, loading: false }),
      (error: unknown) => live && setState((s) => ({ data: s.data, error: describeError(error), loading: false })),
    );
    return () => {
      live = false;
    };
    // The caller lists what the load depends on, as with useEffect.
  }, deps);
  return state;
}

/**
 * The chain's clock, ticking locally between reads: countdowns (unbonding, thaw, timelock) are
 * measured on the chain's time, which a dev chain may have moved far from the wall clock.
 */
export function useChainTime(kho: Kho): bigint | null {
  const [base, setBase] = useState<{ chain: bigint; local: number } | null>(null);
  const [, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    kho.publicClient.getBlock({ blockTag: "latest" }).then(
      (block) => live && setBase({ chain: block.timestamp, local: Date.now() }),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [kho.publicClient, kho.version]);
  useEffect(() => {
    const timer = setInterval(() => setTick((t) => t + 1), 1000);
    return () => clearInterval(timer);
  }, []);
  if (!base) return null;
  return base.chain + BigInt(Math.floor((Date.now() - base.local) / 1000));
}

/** Simulates first (so a revert is decoded before anything is signed), then sends and waits. */
export async function sendTransaction<
  const abi extends Abi,
  name extends ContractFunctionName<abi, "nonpayable" | "payable">,
>(
  kho: Kho,
  call: {
    address: `0x${string}`;
    abi: abi;
    functionName: name;
    args: ContractFunctionArgs<abi, "nonpayable" | "payable", name>;
  },
): Promise<Hash> {
  const connected = kho.connected;
  if (!connected) throw new Error("Connect a wallet or pick a dev account first.");
  const { request } = await kho.publicClient.simulateContract({
    ...call,
    account: connected.address,
    chain: kho.chain,
  } as Parameters<typeof kho.publicClient.simulateContract>[0]);
  const hash = await connected.wallet.writeContract({
    ...request,
    account: connected.wallet.account ?? connected.address,
  } as Parameters<typeof connected.wallet.writeContract>[0]);
  const receipt = await kho.publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new Error(`Transaction ${hash} was mined but reverted.`);
  kho.refresh();
  return hash;
}

/** Approves `spender` to take `amount` of KHO from the connected account, unless it already may. */
export async function approveIfNeeded(kho: Kho, spender: Address, amount: bigint): Promise<void> {
  const connected = kho.connected;
  if (!connected) throw new Error("Connect a wallet or pick a dev account first.");
  const token = kho.config.deployment.contracts.KhoToken;
  const allowance = await kho.publicClient.readContract({
    address: token,
    abi: khoTokenAbi,
    functionName: "allowance",
    args: [connected.address, spender],
  });
  if (allowance < amount) {
    await sendTransaction(kho, { address: token, abi: khoTokenAbi, functionName: "approve", args: [spender, amount] });
  }
}
