import { useState } from "react";
import { usageLedgerAbi } from "../../../src/protocol/abis";
import { formatToken, formatTokenShort } from "../lib/format";
import { useLoad } from "../lib/hooks";
import { useKho } from "../lib/kho";
import { fetchEpochList, fetchPayouts, fetchUsage } from "../lib/offchain";
import { type ModelRow, rankModels, returningShare } from "../lib/ranking";
import { readCommunities, readModels } from "../lib/reads";
import { UsageChart } from "./UsageChart";

/** Communities and their models ranked by returning members in one epoch. */
export function Communities(props: { onOpenModel: (modelId: bigint) => void }) {
  const kho = useKho();
  const { config, publicClient } = kho;
  const [chosenEpoch, setChosenEpoch] = useState<string>("");

  const page = useLoad(async () => {
    const current = await publicClient.readContract({
      address: config.deployment.contracts.UsageLedger,
      abi: usageLedgerAbi,
      functionName: "currentEpoch",
    });
    let epoch = chosenEpoch === "" ? current : BigInt(chosenEpoch);
    let usage = await fetchUsage(epoch);
    // A freshly started epoch has no usage yet: show the one that just ended until it does.
    if (chosenEpoch === "" && usage.models.length === 0 && epoch > 0n) {
      epoch -= 1n;
      usage = await fetchUsage(epoch);
    }
    const [communities, models, computed] = await Promise.all([
      readCommunities(publicClient, config.deployment.contracts),
      readModels(publicClient, config.deployment.contracts),
      fetchEpochList(),
    ]);
    const lastComputed = computed.at(-1);
    const payouts = lastComputed === undefined ? null : await fetchPayouts(lastComputed);
    const rows: ModelRow[] = models.map((m) => {
      const u = usage.models.find((x) => x.modelId === m.id);
      const p = payouts?.models.find((x) => x.modelId === m.id);
      return {
        modelId: m.id,
        name: m.name,
        locale: m.locale,
        communityId: m.communityId,
        community: communities.find((c) => c.id === m.communityId)?.slug ?? `#${m.communityId}`,
        deployments: m.liveDeployments,
        calls: u?.calls ?? 0,
        distinctUsers: u?.distinctUsers ?? 0,
        returningUsers: u?.returningUsers ?? 0,
        returningMembers: u?.returningMembers ?? 0,
        fees: u?.fees ?? 0n,
        lastPayout: payouts === null ? null : p ? p.builderPayout + p.operatorPayout : 0n,
        daily: u?.daily ?? [],
      };
    });
    return { epoch, current, usage, communities, models, rows: rankModels(rows), lastComputed };
  }, [chosenEpoch, kho.version]);

  const data = page.data;
  return (
    <section aria-labelledby="communities-title">
      <h2 id="communities-title">Communities and models</h2>
      <form className="inline" onSubmit={(e) => e.preventDefault()}>
        <label htmlFor="epoch-input">Epoch</label>
        <input
          id="epoch-input"
          inputMode="numeric"
          placeholder={data ? data.epoch.toString() : "current"}
          value={chosenEpoch}
          onChange={(e) => setChosenEpoch(e.target.value.replace(/[^0-9]/g, ""))}
        />
        {data && (
          <span className="muted">
            showing epoch {data.epoch.toString()} (current {data.current.toString()}); usage from{" "}
            {data.usage.batches.accepted} batch file(s) whose Merkle roots match the chain
            {data.usage.batches.rejected.length > 0 && `, ${data.usage.batches.rejected.length} rejected`}
          </span>
        )}
      </form>
      {page.error && (
        <p role="alert" className="error">
          {page.error}
        </p>
      )}
      {!data && !page.error && <p>Loading…</p>}
      {data && (
        <>
          <h3>All models, ranked by returning members</h3>
          <div className="table-wrap">
            <table aria-label="Models ranked by returning members" data-testid="ranking">
              <thead>
                <tr>
                  <th scope="col">#</th>
                  <th scope="col">Model</th>
                  <th scope="col">Community</th>
                  <th scope="col">Returning members</th>
                  <th scope="col">Returning share</th>
                  <th scope="col">Calls</th>
                  <th scope="col">Distinct users</th>
                  <th scope="col">Returning users</th>
                  <th scope="col">Deployments</th>
                  <th scope="col">Fees</th>
                  <th scope="col">Payout, epoch {data.lastComputed?.toString() ?? "–"}</th>
                </tr>
              </thead>
              <tbody>
                {data.rows.map((row, i) => (
                  <tr key={row.modelId.toString()}>
                    <td>{i + 1}</td>
                    <td>
                      <button type="button" className="link nowrap" onClick={() => props.onOpenModel(row.modelId)}>
                        {row.name}
                      </button>{" "}
                      <span className="muted">{row.locale}</span>
                    </td>
                    <td>{row.community}</td>
                    <td className="num strong">{row.returningMembers}</td>
                    <td>
                      <ShareBar percent={returningShare(row)} />
                    </td>
                    <td className="num">{row.calls}</td>
                    <td className="num">{row.distinctUsers}</td>
                    <td className="num">{row.returningUsers}</td>
                    <td className="num">{row.deployments}</td>
                    <td className="num" title={formatToken(row.fees)}>
                      {formatTokenShort(row.fees)}
                    </td>
                    <td className="num" title={row.lastPayout === null ? undefined : formatToken(row.lastPayout)}>
                      {row.lastPayout === null ? "not computed" : formatTokenShort(row.lastPayout)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>

          {data.communities.map((community) => {
            const rows = data.rows.filter((r) => r.communityId === community.id);
            return (
              <article key={community.id.toString()} className="card" aria-labelledby={`community-${community.id}`}>
                <h3 id={`community-${community.id}`}>
                  {community.slug} <span className="muted">({community.locale})</span>
                </h3>
                <p>
                  {community.memberCount.toString()} attested members ·{" "}
                  {community.recognized === null
                    ? "recognition is not tracked by this deployment"
                    : community.recognized
                      ? "recognized (bonded): its members count as members"
                      : "not recognized: its attestations do not count as membership"}
                </p>
                {rows.length === 0 && <p className="muted">No models registered for this community.</p>}
                {rows.map((row) => {
                  const model = data.models.find((m) => m.id === row.modelId);
                  return (
                    <div key={row.modelId.toString()} className="model-usage">
                      <p>
                        <strong>{row.name}</strong>: {row.returningMembers} returning members, {row.calls} calls by{" "}
                        {row.distinctUsers} users ·{" "}
                        {model?.admitted === null || model === undefined
                          ? "admission not tracked by this deployment"
                          : model.admitted
                            ? "admitted by a steward"
                            : "not admitted: its users count as non-members"}
                      </p>
                      <UsageChart title={`${row.name}: daily active and returning users`} daily={row.daily} />
                    </div>
                  );
                })}
              </article>
            );
          })}
        </>
      )}
    </section>
  );
}

function ShareBar(props: { percent: number }) {
  return (
    <span className="share" role="img" aria-label={`${props.percent}% of users returned`}>
      <span className="share-fill" style={{ width: `${props.percent}%` }} />
      <span className="share-text">{props.percent}%</span>
    </span>
  );
}
