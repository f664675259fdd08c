import { useState } from "react";
import { feeEscrowAbi, khoTokenAbi } from "../../../src/protocol/abis";
import { describeError } from "../lib/errors";
import { formatCountdown, formatToken, parseTokenAmount } from "../lib/format";
import { sendTransaction, useChainTime, useLoad } from "../lib/hooks";
import { useKho } from "../lib/kho";

/** A payer's FeeEscrow account: balance, top-up, thaw, withdraw (every served call settles before money leaves). */
export function Escrow() {
  const kho = useKho();
  const { config, publicClient, connected } = kho;
  const escrow = config.deployment.contracts.FeeEscrow;
  const now = useChainTime(kho);
  const [amount, setAmount] = useState("");
  const [status, setStatus] = useState<{ text: string; error: boolean } | null>(null);
  const [busy, setBusy] = useState(false);

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

  const run = async (label: string, action: () => Promise<void>) => {
    setBusy(true);
    setStatus(null);
    try {
      await action();
      setStatus({ text: `${label}: done.`, error: false });
    } catch (e) {
      setStatus({ text: describeError(e), error: true });
    } finally {
      setBusy(false);
    }
  };

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
      if (!connected) throw new Error("Connect a wallet or pick a dev account first.");
      const wei = parseTokenAmount(amount);
      const token = config.deployment.contracts.KhoToken;
      const allowance = await publicClient.readContract({
        address: token,
        abi: khoTokenAbi,
        functionName: "allowance",
        args: [connected.address, escrow],
      });
      if (allowance < wei) {
        await sendTransaction(kho, { address: token, abi: khoTokenAbi, functionName: "approve", args: [escrow, wei] });
      }
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
          {status && (
            <p role={status.error ? "alert" : "status"} className={status.error ? "error" : "ok"}>
              {status.text}
            </p>
          )}
        </>
      )}
    </section>
  );
}
