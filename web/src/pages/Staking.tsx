import { useState } from "react";
import { datasetStakingAbi } from "../../../src/protocol/abis";
import { formatCountdown, formatToken, parseTokenAmount } from "../lib/format";
import { approveIfNeeded, sendTransaction, useChainTime, useLoad } from "../lib/hooks";
import { useKho } from "../lib/kho";
import { ActionStatus, useAction } from "../lib/use-action";
import { readDatasets } from "../lib/reads";
import { readStakeHistory } from "../lib/stake-history";
import { StakeChart } from "./StakeChart";

/** Datasets with their total stake; the connected account stakes, unstakes and withdraws. */
export function Staking() {
  const kho = useKho();
  const { config, publicClient, connected } = kho;
  const staking = config.deployment.contracts.DatasetStaking;
  const now = useChainTime(kho);
  const [amounts, setAmounts] = useState<Record<string, string>>({});

  const page = useLoad(async () => {
    const base = { address: staking, abi: datasetStakingAbi } as const;
    const [datasets, totalStaked, unbondingPeriod, history] = await Promise.all([
      readDatasets(publicClient, config.deployment.contracts),
      publicClient.readContract({ ...base, functionName: "totalStaked" }),
      publicClient.readContract({ ...base, functionName: "unbondingPeriod" }),
      readStakeHistory(publicClient, config.deployment.contracts, config.deployment.blockNumber),
    ]);
    const mine = connected
      ? await Promise.all(
          datasets.map((d) =>
            publicClient.readContract({ ...base, functionName: "stakeOf", args: [d.id, connected.address] }),
          ),
        )
      : null;
    const unbonding = connected
      ? await publicClient.readContract({ ...base, functionName: "pendingUnbonding", args: [connected.address] })
      : [];
    return { datasets, totalStaked, unbondingPeriod, history, mine, unbonding };
  }, [connected, kho.version]);

  const { busy, status, run: runAction } = useAction();
  /** Runs `action`; on success the status says "<label>: done." */
  const run = (label: string, action: () => Promise<unknown>) =>
    runAction(async () => {
      await action();
      return `${label}: done.`;
    });

  const stake = (datasetId: bigint) =>
    run("Stake", async () => {
      const amount = parseTokenAmount(amounts[datasetId.toString()] ?? "");
      await approveIfNeeded(kho, staking, amount);
      await sendTransaction(kho, {
        address: staking,
        abi: datasetStakingAbi,
        functionName: "stake",
        args: [datasetId, amount],
      });
    });

  const unstake = (datasetId: bigint) =>
    run("Unstake", async () => {
      const amount = parseTokenAmount(amounts[datasetId.toString()] ?? "");
      await sendTransaction(kho, {
        address: staking,
        abi: datasetStakingAbi,
        functionName: "unstake",
        args: [datasetId, amount],
      });
    });

  const withdraw = () =>
    run("Withdraw", async () => {
      await sendTransaction(kho, { address: staking, abi: datasetStakingAbi, functionName: "withdraw", args: [] });
    });

  const data = page.data;
  return (
    <section aria-labelledby="staking-title">
      <h2 id="staking-title">Datasets and staking</h2>
      {page.error && (
        <p role="alert" className="error">
          {page.error}
        </p>
      )}
      {!data && !page.error && <p>Loading…</p>}
      {data && (
        <>
          <p>
            Total staked on all datasets: <strong data-testid="total-staked">{formatToken(data.totalStaked)}</strong> ·
            unbonding period {formatCountdown(data.unbondingPeriod, 0n)}
          </p>
          <ul className="datasets" aria-label="Datasets">
            {data.datasets.map((d, i) => {
              const key = d.id.toString();
              return (
                <li key={key} className="card">
                  <h3>
                    Dataset #{key} <span className="muted">{d.locale}</span>
                  </h3>
                  <p>
                    <code>{d.metadataURI}</code>
                  </p>
                  <dl className="facts">
                    <dt>Total stake</dt>
                    <dd data-testid={`dataset-${key}-total`}>{formatToken(d.totalStake)}</dd>
                    <dt>Your stake</dt>
                    <dd data-testid={`dataset-${key}-mine`}>
                      {data.mine ? formatToken(data.mine[i] ?? 0n) : "connect to see"}
                    </dd>
                  </dl>
                  <StakeChart
                    title={`Total stake on dataset ${key} over time`}
                    points={data.history.get(d.id) ?? []}
                    now={now}
                  />
                  <label htmlFor={`amount-${key}`}>Amount of KHO for dataset {key}</label>
                  <div className="actions">
                    <input
                      id={`amount-${key}`}
                      inputMode="decimal"
                      placeholder="e.g. 100"
                      value={amounts[key] ?? ""}
                      onChange={(e) => setAmounts({ ...amounts, [key]: e.target.value })}
                    />
                    <button type="button" disabled={busy || !connected} onClick={() => void stake(d.id)}>
                      Stake
                    </button>
                    <button type="button" disabled={busy || !connected} onClick={() => void unstake(d.id)}>
                      Unstake
                    </button>
                  </div>
                </li>
              );
            })}
          </ul>
          <h3>Unbonding</h3>
          {data.unbonding.length === 0 ? (
            <p className="muted">{connected ? "Nothing unbonding." : "Connect to see your unbonding stake."}</p>
          ) : (
            <ul>
              {data.unbonding.map((u, i) => (
                <li key={i}>
                  {formatToken(u.amount)} from dataset #{u.datasetId.toString()}:{" "}
                  {now === null
                    ? "…"
                    : u.releaseTime <= now
                      ? "withdrawable now"
                      : `withdrawable in ${formatCountdown(u.releaseTime, now)}`}
                </li>
              ))}
            </ul>
          )}
          <button type="button" disabled={busy || !connected} onClick={() => void withdraw()}>
            Withdraw released stake
          </button>
          <ActionStatus status={status} />
        </>
      )}
    </section>
  );
}
