import { type Address, getAddress, isAddressEqual } from "viem";
import { rewardDistributorAbi } from "../../../src/protocol/abis";
import { rewardLeaf, verifyProof } from "../../../src/protocol/merkle";
import { formatCountdown, formatToken, shortHex } from "../lib/format";
import { sendTransaction, useChainTime, useLoad } from "../lib/hooks";
import { useKho } from "../lib/kho";
import { ActionStatus, useAction } from "../lib/use-action";
import {
  type PayoutsFile,
  type RewardTreeFile,
  fetchEpochList,
  fetchPayouts,
  fetchReport,
  fetchTree,
} from "../lib/offchain";
import { type RootState, readRootState } from "../lib/reads";

type Entry = RewardTreeFile["accounts"][number];

function findEntry(tree: RewardTreeFile, account: Address): Entry | undefined {
  return tree.accounts.find((a) => isAddressEqual(getAddress(a.account), account));
}

/** Claimable now, claimed, per-epoch history and the root's state for the connected account. */
export function Rewards() {
  const kho = useKho();
  const { config, publicClient, connected } = kho;
  const distributor = config.deployment.contracts.RewardDistributor;
  const now = useChainTime(kho);
  const { busy, status, run } = useAction();

  const page = useLoad(async () => {
    const [roots, epochs] = await Promise.all([readRootState(publicClient, config), fetchEpochList()]);
    const trees = await Promise.all(epochs.map((e) => fetchTree(e)));
    const history: { epoch: bigint; payouts: PayoutsFile | null; report: string | null }[] = await Promise.all(
      epochs.map(async (epoch) => ({
        epoch,
        payouts: await fetchPayouts(epoch).catch(() => null),
        report: await fetchReport(epoch).catch(() => null),
      })),
    );
    const acceptedRoot = roots.accepted.kind === "accepted" ? roots.accepted.root : null;
    // The claim must prove against the root the distributor accepted; the file is only a carrier.
    const acceptedTree = acceptedRoot ? trees.find((t) => t.root === acceptedRoot) : undefined;
    const claimed = connected
      ? await publicClient.readContract({
          address: distributor,
          abi: rewardDistributorAbi,
          functionName: "claimed",
          args: [connected.address],
        })
      : null;
    const entry = connected && acceptedTree ? findEntry(acceptedTree, connected.address) : undefined;
    const proofOk =
      entry !== undefined && acceptedRoot !== null && connected !== null
        ? verifyProof(acceptedRoot, rewardLeaf(connected.address, entry.cumulative), entry.proof)
        : null;
    return { roots, acceptedTree, entry, proofOk, claimed, history };
  }, [connected, kho.version]);

  const data = page.data;
  const claimable = data?.entry && data.proofOk && data.claimed !== null ? data.entry.cumulative - data.claimed : 0n;

  const claim = async () => {
    if (!data?.entry || !connected) return;
    const { entry } = data;
    await run(async () => {
      await sendTransaction(kho, {
        address: distributor,
        abi: rewardDistributorAbi,
        functionName: "claim",
        args: [connected.address, entry.cumulative, entry.proof],
      });
      return `Claimed ${formatToken(claimable)}.`;
    });
  };

  return (
    <section aria-labelledby="rewards-title">
      <h2 id="rewards-title">Rewards</h2>
      {page.error && (
        <p role="alert" className="error">
          {page.error}
        </p>
      )}
      {!data && !page.error && <p>Loading…</p>}
      {data && (
        <>
          <RootStatus state={data.roots.latest} now={now} />
          {!connected ? (
            <p className="muted">Connect a wallet or pick a dev account to see what you can claim.</p>
          ) : (
            <div className="card">
              <dl className="facts">
                <dt>Claimable now</dt>
                <dd data-testid="claimable">{formatToken(claimable)}</dd>
                <dt>Claimed so far</dt>
                <dd data-testid="claimed">{data.claimed === null ? "…" : formatToken(data.claimed)}</dd>
                <dt>Cumulative in the accepted root</dt>
                <dd>
                  {data.entry ? formatToken(data.entry.cumulative) : "nothing for this account"}
                  {data.proofOk !== null &&
                    (data.proofOk
                      ? " · Merkle proof checked in this browser against the accepted root"
                      : " · the published proof does NOT match the accepted root; do not claim")}
                </dd>
              </dl>
              <button type="button" disabled={busy || claimable <= 0n} onClick={() => void claim()}>
                {busy ? "Claiming…" : `Claim ${formatToken(claimable)}`}
              </button>
              <ActionStatus status={status} />
            </div>
          )}
          <h3>History</h3>
          {data.history.length === 0 && <p className="muted">No epoch has been computed yet.</p>}
          {data.history.map((h) => {
            const mine = connected
              ? h.payouts?.accounts.find((a) => isAddressEqual(getAddress(a.account), connected.address))
              : undefined;
            return (
              <article key={h.epoch.toString()} className="card">
                <h4>Epoch {h.epoch.toString()}</h4>
                {connected && (
                  <p>
                    {mine ? (
                      <>
                        Earned <strong>{formatToken(mine.amount)}</strong>:{" "}
                        {Object.entries(mine.byRole)
                          .filter(([, v]) => v > 0n)
                          .map(([role, v]) => `${role} ${formatToken(v)}`)
                          .join(", ")}
                      </>
                    ) : (
                      "This account earned nothing in this epoch."
                    )}
                  </p>
                )}
                {mine && <Explanations entry={mine} />}
                {h.report && (
                  <details>
                    <summary>The epoch's report</summary>
                    <pre className="report">{h.report}</pre>
                  </details>
                )}
              </article>
            );
          })}
        </>
      )}
    </section>
  );
}

function RootStatus(props: { state: RootState; now: bigint | null }) {
  const { state, now } = props;
  let text: string;
  switch (state.kind) {
    case "none":
      text = "No reward root has been accepted yet.";
      break;
    case "pending":
      text = `Root ${shortHex(state.root)} for epoch ${state.epoch} is pending: claimable ${
        now === null
          ? "after the timelock"
          : state.validAt <= now
            ? "once someone accepts it"
            : `in ${formatCountdown(state.validAt, now)}`
      } (total ${formatToken(state.totalCumulative)}).`;
      break;
    case "accepted":
      text = `Root ${shortHex(state.root)} for epoch ${state.epoch} is accepted (total ${formatToken(state.totalCumulative)}).`;
      break;
    case "revoked":
      text = `Root ${shortHex(state.root)} for epoch ${state.epoch} was revoked by the guardian; the previous root still pays.`;
  }
  return (
    <p data-testid="root-state" className={`root root-${state.kind}`}>
      {text}
    </p>
  );
}

/** The report's per-role reasons for this account (whatever fields the calculator wrote). */
function Explanations(props: { entry: PayoutsFile["accounts"][number] }) {
  const roles = ["builder", "operator", "staker"] as const;
  return (
    <ul className="explanations">
      {roles.flatMap((role) =>
        props.entry[role].map((item, i) => (
          <li key={`${role}-${i}`}>
            <strong>{role}</strong>:{" "}
            {Object.entries(item)
              .map(([k, v]) => `${k} ${k === "amount" && typeof v === "string" ? formatToken(BigInt(v)) : String(v)}`)
              .join(" · ")}
          </li>
        )),
      )}
    </ul>
  );
}
