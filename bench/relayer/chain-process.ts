/**
 * Child process of the relayer-throughput bench: hosts Hardhat's network with Kho deployed and the
 * stub's model registered, so submitting and polling batches never runs on the relayer's event
 * loop (a production relayer never shares its process with a chain node). Started with the root of
 * the source tree whose contracts and SDK to use: this checkout, or the reference commit's worktree.
 * Talks to its parent over IPC (advanced serialization: the deployment carries bigints).
 */
import path from "node:path";
import { keccak256, toHex } from "viem";
import { BENCH_MODEL_NAME, type ChainMessage, type ChainProcessMessage } from "./messages";

type LocalChainModule = typeof import("../../src/devnet/local-chain");
type SdkModule = typeof import("../../src/sdk");

function send(message: ChainProcessMessage): void {
  process.send?.(message);
}

/** Loads a module of the source tree at `root` (this checkout, or the reference worktree). */
function fromTree<T>(root: string, file: string): T {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(path.join(root, file)) as T;
}

async function main(): Promise<void> {
  if (!process.send) throw new Error("chain-process must be started with an IPC channel (child_process.fork)");
  const root = path.resolve(process.argv[2] ?? path.join(__dirname, "..", ".."));
  const start = await new Promise<Extract<ChainMessage, { type: "start" }>>((resolve) =>
    process.once("message", (msg: ChainMessage) => {
      if (msg.type === "start") resolve(msg);
    }),
  );
  const { startLocalChain } = fromTree<LocalChainModule>(root, "src/devnet/local-chain");
  const sdk = fromTree<SdkModule>(root, "src/sdk");
  const chain = await startLocalChain({ accounts: 3, deploy: { relayer: start.relayer } });
  const deployment = chain.deployment!;
  const [builder, , operator] = chain.accounts;
  const client = sdk.createKhoClient({
    rpcUrl: chain.rpcUrl,
    chainId: chain.chainId,
    addresses: deployment.contracts,
    account: builder!.privateKey,
    confirmations: 1,
  });
  const { communityId } = await sdk.createCommunity(client, {
    slug: "vi-VN/home-cooking",
    locale: "vi-VN",
    metadataURI: "ipfs://bench-community",
  });
  const { modelId } = await sdk.registerModel(client, {
    name: BENCH_MODEL_NAME,
    locale: "vi-VN",
    communityId,
    metadataURI: "ipfs://bench-model",
    contentHash: keccak256(toHex("bench weights")),
  });
  await sdk.addDeployment(client, { modelId, operator: operator!.address, endpoint: start.stubUrl });
  process.on("message", (msg: ChainMessage) => {
    if (msg.type === "stop") void chain.close().then(() => process.disconnect());
  });
  process.on("disconnect", () => process.exit(0));
  send({
    type: "chain",
    rpcUrl: chain.rpcUrl,
    chainId: chain.chainId,
    accounts: chain.accounts.map((a) => a.address),
    deployment,
  });
}

main().catch((error: unknown) => {
  send({ type: "error", message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.exitCode = 1;
});
