import { useState } from "react";
import { feeEscrowAbi } from "../../../src/protocol/abis";
import { formatCountdown, formatToken, parseTokenAmount } from "../lib/format";
import { approveIfNeeded, sendTransaction, useChainTime, useLoad } from "../lib/hooks";
import { useKho } from "../lib/kho";
import { ActionStatus, useAction } from "../lib/use-action";

/** A payer's FeeEscrow account: balance, top-up, thaw, withdraw (every served call settles before money leaves). */
export function Escrow() {
  const kho = useKho();
  const { config, publicClient, connected } = kho;
  const escrow = config.deployment.contracts.FeeEscrow;
  const now = useChainTime(kho);
  const [amount, setAmount] = useState("");

  const page = useLoad(async () => {
    if (!escrow) return null;
    const base = { address: escrow, abi: feeEscrowAbi } as const;
    const [thawPeriod, protocolFeeBps] = await Promise.all([
      publicClient.readContract({ ...base, functionName: "thawPeriod" }),
      publicClient.readContract({ ...base, functionName: "protocolFeeBps" }),
    ]);
    const account = connected
      ? await publicClient.readContract({ ...base, functionName: "accountOf", args: [connected.address] })
      : null;
    return {
      thawPeriod,
      protocolFeeBps,
      account: account ? { balance: account[0], thawing: account[1], thawEndsAt: account[2] } : null,
    };
  }, [connected, kho.version]);

  const { busy, status, run: runAction } = useAction();
  /** Runs `action`; on success the status says "<label>: done." */
  const run = (label: string, action: () => Promise<unknown>) =>
    runAction(async () => {
      await action();
      return `${label}: done.`;
    });

  if (!escrow) {
    return (
      <section aria-labelledby="escrow-title">
        <h2 id="escrow-title">Escrow</h2>
        <p>This deployment has no FeeEscrow contract, so calls are free.</p>
      </section>
    );
  }

  const deposit = () =>
    run("Top-up", async () => {
      const wei = parseTokenAmount(amount);
      await approveIfNeeded(kho, escrow, wei);
      await sendTransaction(kho, { address: escrow, abi: feeEscrowAbi, functionName: "deposit", args: [wei] });
    });
  const thaw = () =>
    run("Thaw", async () => {
      const wei = parseTokenAmount(amount);
      await sendTransaction(kho, { address: escrow, abi: feeEscrowAbi, functionName: "startThaw", args: [wei] });
    });
  const cancel = () =>
    run("Cancel thaw", () =>
      sendTransaction(kho, { address: escrow, abi: feeEscrowAbi, functionName: "cancelThaw", args: [] }).then(
        () => undefined,
      ),
    );
  const withdraw = () =>
    run("Withdraw", () =>
      sendTransaction(kho, { address: escrow, abi: feeEscrowAbi, functionName: "withdraw", args: [] }).then(
        () => undefined,
      ),
    );

  const data = page.data;
  const account = data?.account ?? null;
  return (
    <section aria-labelledby="escrow-title">
      <h2 id="escrow-title">Escrow</h2>
      {page.error && (
        <p role="alert" className="error">
          {page.error}
        </p>
      )}
      {!data && !page.error && <p>Loading…</p>}
      {data && (
        <>
          <p>
            Payers prepay calls here. Withdrawing takes a thaw of {formatCountdown(data.thawPeriod, 0n)}, so every call
            served before the thaw started settles first; operators receive each fee minus a{" "}
            {(Number(data.protocolFeeBps) / 100).toString()}% protocol share that funds rewards.
          </p>
          {!connected || !account ? (
            <p className="muted">Connect a wallet or pick a dev account to see its escrow.</p>
          ) : (
            <div className="card">
              <dl className="facts">
                <dt>Balance</dt>
                <dd data-testid="escrow-balance">{formatToken(account.balance)}</dd>
                <dt>Available for calls</dt>
                <dd data-testid="escrow-available">{formatToken(account.balance - account.thawing)}</dd>
                <dt>Thawing</dt>
                <dd>
                  {account.thawing === 0n
                    ? "nothing"
                    : `${formatToken(account.thawing)}, ${
                        now === null
                          ? "…"
                          : account.thawEndsAt <= now
                            ? "withdrawable now"
                            : `withdrawable in ${formatCountdown(account.thawEndsAt, now)}`
                      }`}
                </dd>
              </dl>
              <label htmlFor="escrow-amount">Amount of KHO</label>
              <div className="actions">
                <input
                  id="escrow-amount"
                  inputMode="decimal"
                  placeholder="e.g. 50"
                  value={amount}
                  onChange={(e) => setAmount(e.target.value)}
                />
                <button type="button" disabled={busy} onClick={() => void deposit()}>
                  Top up
                </button>
                <button type="button" disabled={busy} onClick={() => void thaw()}>
                  Start thaw
                </button>
                <button type="button" disabled={busy || account.thawing === 0n} onClick={() => void cancel()}>
                  Cancel thaw
                </button>
                <button
                  type="button"
                  disabled={busy || account.thawing === 0n || now === null || account.thawEndsAt > now}
                  onClick={() => void withdraw()}
                >
                  Withdraw
                </button>
              </div>
            </div>
          )}
          <ActionStatus status={status} />
        </>
      )}
    </section>
  );
}
