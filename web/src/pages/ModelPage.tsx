import { useEffect, useState } from "react";
import type { Hex } from "viem";
import { datasetStakingAbi, modelRegistryAbi, usageLedgerAbi } from "../../../src/protocol/abis";
import { attributionHash } from "../../../src/protocol/attribution";
import { recoverReceiptSigner } from "../../../src/protocol/receipt";
import { type GetReceiptReturnType, createRelayerClient } from "../../../src/sdk/relayer/client";
import type { KhoReceipt } from "../../../src/protocol/receipt-json";
import { DEPLOYMENT_STATUSES } from "../../../src/sdk/actions/models/deploymentStatus";
import { describeError } from "../lib/errors";
import { deploymentHealthText, readRelayerHealth } from "../lib/relayer-health";
import { streamChat } from "../lib/stream-chat";
import { formatToken, shortHex } from "../lib/format";
import { useLoad } from "../lib/hooks";
import { useKho } from "../lib/kho";
import { readModel } from "../lib/reads";

type Verdict = { signer: Hex; isRelayer: boolean; hashMatches: boolean; citationsMatch: boolean };
type BatchVerdict = { lookup: GetReceiptReturnType; onChain: boolean | null };

/** One model: card, versions, datasets, deployments, price, and a "try it" box with a checked receipt. */
export function ModelPage(props: { modelId: bigint; onBack: () => void }) {
  const kho = useKho();
  const { config, publicClient } = kho;
  const contracts = config.deployment.contracts;
  const page = useLoad(async () => {
    const model = await readModel(publicClient, contracts, props.modelId);
    const base = { address: contracts.ModelRegistry, abi: modelRegistryAbi } as const;
    const versions = await Promise.all(
      Array.from({ length: Number(model.latestVersion) }, (_, i) =>
        publicClient
          .readContract({ ...base, functionName: "getVersion", args: [model.id, BigInt(i + 1)] })
          .then((v) => ({ version: i + 1, ...v })),
      ),
    );
    const deployments = await Promise.all(
      model.deploymentIds.map((id) =>
        publicClient.readContract({ ...base, functionName: "getDeployment", args: [id] }).then((d) => ({ id, ...d })),
      ),
    );
    const datasets = await Promise.all(
      model.datasetIds.map((id) =>
        publicClient
          .readContract({
            address: contracts.DatasetStaking,
            abi: datasetStakingAbi,
            functionName: "getDataset",
            args: [id],
          })
          .then((d) => ({ ...d, id })),
      ),
    );
    return { model, versions, deployments, datasets };
  }, [props.modelId, kho.version]);

  // Live health: what the relayer's circuit breaker makes of each deployment, re-read every 10 s.
  const [healthTick, setHealthTick] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setHealthTick((t) => t + 1), 10_000);
    return () => clearInterval(timer);
  }, []);
  const health = useLoad(() => readRelayerHealth(config.relayerUrl), [config.relayerUrl, healthTick, kho.version]);

  const [question, setQuestion] = useState("Tôi nấu cá kho thế nào?");
  const [busy, setBusy] = useState(false);
  const [answer, setAnswer] = useState<string | null>(null);
  const [receipt, setReceipt] = useState<KhoReceipt | null>(null);
  const [verdict, setVerdict] = useState<Verdict | null>(null);
  const [batch, setBatch] = useState<BatchVerdict | null>(null);
  const [error, setError] = useState<string | null>(null);
  const domain = { chainId: config.deployment.chainId, ledger: contracts.UsageLedger };
  const relayer = createRelayerClient({ baseUrl: config.relayerUrl, apiKey: config.apiKey });

  const ask = async () => {
    if (!page.data) return;
    setBusy(true);
    setError(null);
    setAnswer(null);
    setReceipt(null);
    setVerdict(null);
    setBatch(null);
    try {
      // Streamed (SSE through the relayer): the answer shows as it is written, the receipt comes last.
      let text = "";
      setAnswer("");
      const signed = await streamChat({
        relayerUrl: config.relayerUrl,
        apiKey: config.apiKey,
        model: page.data.model.name,
        question,
        user: "web-page",
        onDelta: (delta) => setAnswer((text += delta)),
      });
      if (text === "") setAnswer("(no answer)");
      setReceipt(signed);
      // Checked here, not taken from the relayer's word: recover the signer under the ledger's
      // EIP-712 domain and ask the ledger whether that address is an authorized relayer.
      const signer = await recoverReceiptSigner(signed.receipt, signed.signature, domain);
      const [isRelayer, onChainHash] = await Promise.all([
        publicClient.readContract({
          address: contracts.UsageLedger,
          abi: usageLedgerAbi,
          functionName: "isRelayer",
          args: [signer],
        }),
        publicClient.readContract({
          address: contracts.UsageLedger,
          abi: usageLedgerAbi,
          functionName: "hashReceipt",
          args: [signed.receipt],
        }),
      ]);
      // The cited entries listed with the receipt must be the ones its signed attributionHash commits to.
      const citationsMatch = attributionHash(signed.attribution ?? []) === signed.receipt.attributionHash;
      setVerdict({ signer, isRelayer, hashMatches: onChainHash === signed.hash, citationsMatch });
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  };

  const checkBatch = async () => {
    if (!receipt) return;
    setError(null);
    try {
      const lookup = await relayer.getReceipt(receipt.receipt.requestId);
      let onChain: boolean | null = null;
      if (lookup.batch) {
        // The ledger stores only the hash of the batch header, so the header comes from the batch file.
        const file = await relayer.getBatch(lookup.batch.batchId, lookup.batch.relayer);
        const header = { epoch: file.epoch, root: file.root, count: file.receipts.length, dataHash: file.dataHash };
        onChain = await publicClient.readContract({
          address: contracts.UsageLedger,
          abi: usageLedgerAbi,
          functionName: "verifyReceipt",
          args: [
            receipt.receipt,
            receipt.signature,
            lookup.batch.relayer,
            lookup.batch.batchId,
            header,
            lookup.batch.proof,
          ],
        });
      }
      setBatch({ lookup, onChain });
    } catch (e) {
      setError(describeError(e));
    }
  };

  const data = page.data;
  return (
    <section aria-labelledby="model-title">
      <button type="button" className="link" onClick={props.onBack}>
        ← all models
      </button>
      {page.error && (
        <p role="alert" className="error">
          {page.error}
        </p>
      )}
      {!data && !page.error && <p>Loading…</p>}
      {data && (
        <>
          <h2 id="model-title">
            {data.model.name} <span className="muted">{data.model.locale}</span>
          </h2>
          <dl className="facts">
            <dt>Model card</dt>
            <dd>
              <code>{data.model.metadataURI}</code>
            </dd>
            <dt>Builder</dt>
            <dd>
              <code>{data.model.builder}</code>
            </dd>
            <dt>Price per call</dt>
            <dd>
              {data.model.price === null ? "free (this deployment has no prices)" : formatToken(data.model.price)}
            </dd>
            <dt>Status</dt>
            <dd>
              {data.model.retired ? "retired" : "active"}
              {data.model.admitted !== null && (data.model.admitted ? " · admitted by a steward" : " · not admitted")}
            </dd>
          </dl>
          <h3>Versions</h3>
          <ul>
            {data.versions.map((v) => (
              <li key={v.version}>
                v{v.version}: <code>{shortHex(v.contentHash)}</code> <code>{v.metadataURI}</code>
              </li>
            ))}
          </ul>
          <h3>Linked datasets</h3>
          <ul>
            {data.datasets.length === 0 && <li className="muted">none</li>}
            {data.datasets.map((d) => (
              <li key={d.id.toString()}>
                #{d.id.toString()} {d.locale} <code>{d.metadataURI}</code>
              </li>
            ))}
          </ul>
          <h3>Deployments</h3>
          <div className="table-wrap">
            <table aria-label="Deployments">
              <thead>
                <tr>
                  <th scope="col">Id</th>
                  <th scope="col">Operator</th>
                  <th scope="col">Endpoint</th>
                  <th scope="col">Status</th>
                  <th scope="col">Live health (relayer)</th>
                </tr>
              </thead>
              <tbody>
                {data.deployments.map((d) => (
                  <tr key={d.id.toString()}>
                    <td>{d.id.toString()}</td>
                    <td>
                      <code>{shortHex(d.operator)}</code>
                    </td>
                    <td>
                      <code>{d.endpoint}</code>
                    </td>
                    <td>{DEPLOYMENT_STATUSES[d.status] ?? `status ${d.status}`}</td>
                    <td data-testid={`deployment-${d.id}-health`}>
                      {DEPLOYMENT_STATUSES[d.status] !== "active"
                        ? "not called (not active)"
                        : health.data
                          ? deploymentHealthText(health.data, d.id, Date.now())
                          : (health.error ?? "checking…")}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>

          <h3>Try it</h3>
          <form
            onSubmit={(e) => {
              e.preventDefault();
              void ask();
            }}
          >
            <label htmlFor="try-question">Question</label>
            <textarea id="try-question" rows={2} value={question} onChange={(e) => setQuestion(e.target.value)} />
            <button type="submit" disabled={busy || question.trim() === "" || !config.apiKey}>
              {busy ? "Asking…" : "Ask through the relayer"}
            </button>
            {!config.apiKey && (
              <p className="muted">This page has no API key configured, so it cannot call the relayer.</p>
            )}
          </form>
          {error && (
            <p role="alert" className="error">
              {error}
            </p>
          )}
          {answer !== null && (
            <div className="card" aria-live="polite">
              <p className="answer">{answer}</p>
              {receipt && (
                <dl className="facts">
                  <dt>Request id</dt>
                  <dd>
                    <code>{shortHex(receipt.receipt.requestId)}</code>
                  </dd>
                  <dt>Epoch · fee</dt>
                  <dd>
                    {receipt.receipt.epoch.toString()} · {formatToken(receipt.receipt.fee)}
                  </dd>
                  <dt>Receipt hash</dt>
                  <dd>
                    <code>{shortHex(receipt.hash)}</code>
                  </dd>
                  <dt>Cites</dt>
                  <dd data-testid="receipt-citations">
                    {receipt.attribution === undefined
                      ? "no dataset entry"
                      : receipt.attribution.map((e) => `${e.entryId} (dataset ${shortHex(e.contentHash)})`).join(", ")}
                  </dd>
                </dl>
              )}
              {verdict && (
                <p
                  data-testid="receipt-verdict"
                  className={verdict.isRelayer && verdict.hashMatches && verdict.citationsMatch ? "ok" : "error"}
                >
                  {verdict.isRelayer && verdict.hashMatches && verdict.citationsMatch
                    ? `Verified in this browser: signed by ${shortHex(verdict.signer)}, an authorized relayer on the ledger, the ledger computes the same receipt hash, and the receipt commits to the entries it cites.`
                    : `Not verified: ${
                        !verdict.isRelayer
                          ? `the signer ${verdict.signer} is not an authorized relayer`
                          : !verdict.hashMatches
                            ? "the ledger computes a different receipt hash"
                            : "the cited entries are not the ones the receipt commits to"
                      }.`}
                </p>
              )}
              <button type="button" onClick={() => void checkBatch()}>
                Check its batch proof
              </button>
              {batch && (
                <p data-testid="batch-verdict">
                  {batch.lookup.batch === null
                    ? `Not batched yet (${batch.lookup.status}); batches are committed every few seconds.`
                    : batch.onChain
                      ? `In batch ${batch.lookup.batch.batchId} of ${shortHex(batch.lookup.batch.relayer)}: the ledger verified the signature and the Merkle proof against the committed root.`
                      : `In batch ${batch.lookup.batch.batchId}, but the ledger rejects the proof.`}
                </p>
              )}
            </div>
          )}
        </>
      )}
    </section>
  );
}
