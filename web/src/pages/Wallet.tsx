import { useState } from "react";
import { khoTokenAbi } from "../../../src/protocol/abis";
import { describeError } from "../lib/errors";
import { formatToken, shortHex } from "../lib/format";
import { useLoad } from "../lib/hooks";
import { useKho } from "../lib/kho";

/** Connect a browser wallet (EIP-1193) or, on a local dev chain, one of its well-known accounts. */
export function WalletBar() {
  const kho = useKho();
  const [error, setError] = useState<string | null>(null);
  const balance = useLoad(
    async () =>
      kho.connected
        ? kho.publicClient.readContract({
            address: kho.config.deployment.contracts.KhoToken,
            abi: khoTokenAbi,
            functionName: "balanceOf",
            args: [kho.connected.address],
          })
        : null,
    [kho.connected, kho.version],
  );
  return (
    <div className="wallet" aria-label="Wallet">
      {kho.connected ? (
        <>
          <span>
            <code title={kho.connected.address}>{shortHex(kho.connected.address)}</code>{" "}
            <span className="muted">({kho.connected.source})</span>
          </span>
          <span data-testid="wallet-balance">
            {balance.data === undefined || balance.data === null ? "…" : formatToken(balance.data)}
          </span>
          <button type="button" onClick={kho.disconnect}>
            Disconnect
          </button>
        </>
      ) : (
        <>
          <button
            type="button"
            onClick={() => {
              setError(null);
              kho.connectInjected().catch((e: unknown) => setError(describeError(e)));
            }}
          >
            Connect browser wallet
          </button>
          {kho.config.devAccounts.length > 0 && (
            <>
              <label htmlFor="dev-account">or a dev account</label>
              <select
                id="dev-account"
                defaultValue=""
                onChange={(e) => {
                  const account = kho.config.devAccounts.find((a) => a.address === e.target.value);
                  if (account) kho.connectDev(account);
                }}
              >
                <option value="" disabled>
                  choose…
                </option>
                {kho.config.devAccounts.map((a) => (
                  <option key={a.address} value={a.address}>
                    {a.label} ({shortHex(a.address)})
                  </option>
                ))}
              </select>
            </>
          )}
        </>
      )}
      {(error ?? kho.walletNotice) && (
        <p role="alert" className="error">
          {error ?? kho.walletNotice}
        </p>
      )}
    </div>
  );
}
