import { TASK_COMPILE } from "hardhat/builtin-tasks/task-names";
import {
  type Abi,
  type Address,
  type Hex,
  type PublicClient,
  type WalletClient,
  bytesToHex,
  createPublicClient,
  createWalletClient,
  custom,
  defineChain,
  encodeAbiParameters,
  hexToBytes,
  parseUnits,
} from "viem";
import { loadHardhat } from "../../src/devnet/hardhat-runtime";
import {
  type BatchHeader,
  buildMerkleTree,
  hashBatchHeader,
  rewardLeafBytes,
  standardLeafFromEncoded,
} from "../../src/protocol";
import { type CompiledContract, compileBaselines } from "../contracts/compile";
import { createPrng } from "../fixtures/prng";
import { round } from "../lib/stats";
import { type Bench, BenchError, type BenchTarget } from "../lib/types";

/** Issue 13's limits: commit within 1.2× the root-only ledger, claims within 1.01× the minimal distributor. */
const COMMIT_RATIO_LIMIT = 1.2;
const CLAIM_RATIO_LIMIT = 1.01;

const BATCH_SIZES = [1, 100, 1_000, 10_000, 100_000] as const;
/** Batch sizes whose fees are settled (one FeeEscrow.settleBatch each), with their payer counts. */
const SETTLED_SIZES = [
  { receipts: 1_000, payers: 10 },
  { receipts: 10_000, payers: 100 },
] as const;
const OPERATORS = 4;
const BITMAP_EPOCHS = 12;
const EPOCH_LENGTH = 86_400n;
const BATCH_GRACE = 3_600n;
const TIMELOCK = 3_600n;
const KHO = (amount: string) => parseUnits(amount, 18);
/** Hardhat's in-process network; viem talks to its EIP-1193 provider, so the URL is never dialled. */
const hardhat = defineChain({
  id: 31337,
  name: "Hardhat",
  nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
  rpcUrls: { default: { http: ["http://127.0.0.1:0"] } },
});

type Deployed = { address: Address; abi: Abi };

type Chain = {
  publicClient: PublicClient;
  walletClient: WalletClient;
  accounts: Address[];
  deploy(contract: CompiledContract, args: readonly unknown[], from?: Address): Promise<Deployed>;
  /** Sends a transaction and returns its gasUsed (the exact gas the sender pays for, 21,000 base included). */
  send(contract: Deployed, functionName: string, args: readonly unknown[], from?: Address): Promise<bigint>;
  read<T>(contract: Deployed, functionName: string, args: readonly unknown[]): Promise<T>;
  increaseTime(seconds: bigint): Promise<void>;
  now(): Promise<bigint>;
};

async function startChain(): Promise<{ chain: Chain; artifacts: Record<string, CompiledContract> }> {
  const hre = loadHardhat();
  // Hardhat reports compilation on stdout; the bench's stdout carries only its tables.
  const log = console.log;
  console.log = (...args: unknown[]) => console.error(...args);
  try {
    await hre.run(TASK_COMPILE, { quiet: true });
  } finally {
    console.log = log;
  }
  const artifacts: Record<string, CompiledContract> = {};
  for (const name of ["UsageLedger", "FeeEscrow", "RewardDistributor", "KhoToken"]) {
    const artifact = hre.artifacts.readArtifactSync(name);
    artifacts[name] = { abi: artifact.abi as Abi, bytecode: artifact.bytecode as Hex };
  }
  const compiler = hre.config.solidity.compilers[0]!;
  Object.assign(
    artifacts,
    compileBaselines(
      ["RootOnlyLedger", "EventOnlyLedger", "MinimalCumulativeDistributor", "BitmapDistributor"],
      compiler,
    ),
  );

  const transport = custom(hre.network.provider);
  const publicClient = createPublicClient({ chain: hardhat, transport });
  const walletClient = createWalletClient({ chain: hardhat, transport });
  const accounts = (await walletClient.getAddresses()) as Address[];
  const receiptOf = async (hash: Hex) => {
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new BenchError(`transaction ${hash} reverted`);
    return receipt;
  };
  const chain: Chain = {
    publicClient,
    walletClient,
    accounts,
    async deploy(contract, args, from = accounts[0]!) {
      const hash = await walletClient.deployContract({
        abi: contract.abi,
        bytecode: contract.bytecode,
        args,
        account: from,
        chain: hardhat,
      });
      const receipt = await receiptOf(hash);
      return { address: receipt.contractAddress!, abi: contract.abi };
    },
    async send(contract, functionName, args, from = accounts[0]!) {
      const hash = await walletClient.writeContract({
        address: contract.address,
        abi: contract.abi,
        functionName,
        args,
        account: from,
        chain: hardhat,
      });
      return (await receiptOf(hash)).gasUsed;
    },
    async read<T>(contract: Deployed, functionName: string, args: readonly unknown[]) {
      return (await publicClient.readContract({
        address: contract.address,
        abi: contract.abi,
        functionName,
        args,
      })) as T;
    },
    async increaseTime(seconds) {
      await hre.network.provider.send("evm_increaseTime", [Number(seconds)]);
      await hre.network.provider.send("evm_mine", []);
    },
    async now() {
      return (await publicClient.getBlock({ blockTag: "latest" })).timestamp;
    },
  };
  return { chain, artifacts };
}

type CommitRow = { receipts: number; kho: bigint; rootOnly: bigint; eventOnly: bigint; settle?: SettleRow };
type SettleRow = { payers: number; gas: bigint };

/** A batch header as a relayer would submit it; root and data hash are random 32-byte values like real hashes. */
function header(prng: ReturnType<typeof createPrng>, epoch: bigint, count: number): BatchHeader {
  return { epoch, root: prng.bytes32(), count, dataHash: prng.bytes32() };
}

function ratio(a: bigint, b: bigint): number {
  return round(Number(a) / Number(b), 4);
}

function perReceipt(gas: bigint, receipts: number): number {
  return round(Number(gas) / receipts, receipts >= 1_000 ? 2 : 1);
}

export const gasBench: Bench = {
  name: "gas",
  description:
    "exact gas of submitBatch, FeeEscrow.settleBatch and RewardDistributor.claim against baseline contracts in bench/contracts",
  async run({ mode, log }) {
    const depth = mode === "full" ? 17 : 10;
    const treeSize = 2 ** depth;
    log("compiling Kho and the baselines, starting Hardhat's in-process network");
    const { chain, artifacts } = await startChain();
    const [admin, relayer, poster, guardian, funder, ...rest] = chain.accounts;
    const operators = rest.slice(0, OPERATORS);
    if (!admin || !relayer || !poster || !guardian || !funder || operators.length < OPERATORS) {
      throw new BenchError("Hardhat exposes too few accounts");
    }

    // Kho, deployed as deployKho wires it (token, ledger, distributor, escrow), and the baselines.
    const token = await chain.deploy(artifacts.KhoToken!, [admin]);
    const genesis = (await chain.now()) - 60n;
    const ledger = await chain.deploy(artifacts.UsageLedger!, [admin, genesis, EPOCH_LENGTH, BATCH_GRACE]);
    await chain.send(ledger, "addRelayer", [relayer]);
    const distributor = await chain.deploy(artifacts.RewardDistributor!, [
      token.address,
      admin,
      poster,
      guardian,
      TIMELOCK,
    ]);
    const escrow = await chain.deploy(artifacts.FeeEscrow!, [
      token.address,
      ledger.address,
      distributor.address,
      admin,
      EPOCH_LENGTH + BATCH_GRACE + 3_600n,
      3_600n,
      1_000n,
    ]);
    const rootOnly = await chain.deploy(artifacts.RootOnlyLedger!, [relayer]);
    const eventOnly = await chain.deploy(artifacts.EventOnlyLedger!, [relayer]);

    // --- Commit: one submitBatch per size on each ledger, after a first batch that creates the
    // relayer's lastBatchId slot (the steady state every later batch sees).
    const prng = createPrng(13);
    const epoch = 0n;
    const dataURI = (batchId: bigint) => `https://relayer.kho.example/v1/batches/${relayer}/${batchId}`;
    const submit = (target: Deployed, batchId: bigint, h: BatchHeader) =>
      chain.send(target, "submitBatch", [h.epoch, batchId, h.root, h.count, dataURI(batchId), h.dataHash], relayer);
    const warmUp = header(prng, epoch, 1);
    for (const target of [ledger, rootOnly, eventOnly]) await submit(target, 1n, warmUp);

    const commits: CommitRow[] = [];
    const headers = new Map<number, { batchId: bigint; header: BatchHeader }>();
    let batchId = 1n;
    for (const receipts of BATCH_SIZES) {
      batchId += 1n;
      const h = header(prng, epoch, receipts);
      log(`submitBatch, ${receipts} receipts`);
      const row: CommitRow = {
        receipts,
        kho: await submit(ledger, batchId, h),
        rootOnly: await submit(rootOnly, batchId, h),
        eventOnly: await submit(eventOnly, batchId, h),
      };
      // The commitment must be the header's hash: batch data stays verifiable from the event or file.
      const committed = await chain.read<Hex>(ledger, "batchCommitment", [relayer, batchId]);
      if (committed !== hashBatchHeader(h))
        throw new BenchError(`batch ${batchId}: commitment ${committed} is not its header's hash`);
      const tampered = await chain.read<boolean>(ledger, "isBatchCommitted", [
        relayer,
        batchId,
        { ...h, count: h.count + 1 },
      ]);
      if (tampered) throw new BenchError(`batch ${batchId}: a header with another count passes isBatchCommitted`);
      headers.set(receipts, { batchId, header: h });
      commits.push(row);
    }

    // --- Fee settlement of two of those batches: payers prepaid through depositFor, four operators.
    const price = KHO("0.01");
    for (const { receipts, payers } of SETTLED_SIZES) {
      const committed = headers.get(receipts)!;
      const perPayer = BigInt(receipts / payers) * price;
      const payerAddresses = Array.from({ length: payers }, () => prng.address() as Address);
      const total = perPayer * BigInt(payers);
      await chain.send(token, "mint", [funder, total], admin);
      await chain.send(token, "approve", [escrow.address, total], funder);
      for (const payer of payerAddresses) await chain.send(escrow, "depositFor", [payer, perPayer], funder);
      const charges = payerAddresses.map((payer) => ({ payer, amount: perPayer }));
      const perOperator = total / BigInt(OPERATORS);
      const credits = operators.map((operator, i) => ({
        operator,
        amount: i === 0 ? total - perOperator * BigInt(OPERATORS - 1) : perOperator,
      }));
      log(`settleBatch, ${receipts} receipts from ${payers} payers`);
      const gas = await chain.send(
        escrow,
        "settleBatch",
        [committed.batchId, committed.header, charges, credits],
        relayer,
      );
      commits.find((c) => c.receipts === receipts)!.settle = { payers, gas };
    }

    // --- Claims on a 2^depth-leaf reward tree. Kho's distributor and the minimal one pay the same
    // calldata for the same account (each in its own token, so both see a holder with no balance).
    const claimant = prng.address() as Address;
    const amounts = Array.from({ length: treeSize }, () => BigInt(1 + prng.int(1_000_000)) * 10n ** 12n);
    const accounts = Array.from({ length: treeSize }, (_, i) => (i === 0 ? claimant : (prng.address() as Address)));
    const rewardTree = (epochs: bigint) => {
      log(`building a ${treeSize}-leaf reward tree`);
      const leaves = accounts.map((account, i) => rewardLeafBytes(account, amounts[i]! * epochs));
      const tree = buildMerkleTree(leaves);
      const total = amounts.reduce((sum, a) => sum + a * epochs, 0n);
      const proofOf = (i: number) => tree.proof(bytesToHex(leaves[i]!));
      return { root: tree.root, total, proofOf, proof: proofOf(0), amount: amounts[0]! * epochs };
    };
    const baselineToken = await chain.deploy(artifacts.KhoToken!, [admin]);
    const minimal = await chain.deploy(artifacts.MinimalCumulativeDistributor!, [baselineToken.address]);
    const fundBoth = async (total: bigint) => {
      await chain.send(token, "mint", [funder, total], admin);
      await chain.send(token, "approve", [distributor.address, total], funder);
      await chain.send(distributor, "fund", [0n, total], funder);
      await chain.send(baselineToken, "mint", [minimal.address, total], admin);
    };
    const publish = async (rootEpoch: bigint, tree: { root: Hex; total: bigint }) => {
      await chain.send(
        distributor,
        "proposeRoot",
        [tree.root, rootEpoch, tree.total, `ipfs://kho-rewards-${rootEpoch}`],
        poster,
      );
      await chain.increaseTime(TIMELOCK);
      await chain.send(distributor, "acceptRoot", []);
      await chain.send(minimal, "setRoot", [tree.root]);
    };
    const claimBoth = async (tree: { proof: Hex[]; amount: bigint }) => ({
      kho: await chain.send(distributor, "claim", [claimant, tree.amount, tree.proof], funder),
      minimal: await chain.send(minimal, "claim", [claimant, tree.amount, tree.proof], funder),
    });

    const first = rewardTree(1n);
    await fundBoth(first.total);
    await publish(1n, first);
    log("claim: new holder");
    const newHolder = await claimBoth(first);
    const second = rewardTree(2n);
    await fundBoth(second.total - first.total);
    await publish(2n, second);
    log("claim: later epoch");
    const laterEpoch = await claimBoth(second);
    for (const [contract, name] of [
      [distributor, "Kho"],
      [minimal, "minimal"],
    ] as const) {
      const paid = await chain.read<bigint>(contract, "claimed", [claimant]);
      if (paid !== second.amount) throw new BenchError(`${name} distributor paid ${paid}, not ${second.amount}`);
    }

    // --- Twelve epochs: one cumulative claim (an account that never claimed, against the latest root)
    // versus twelve bitmap claims, one per epoch root. The bitmap epochs share one tree: claim gas
    // depends on the proof length and on which slots are new, not on the leaves' values.
    log(`building a ${treeSize}-leaf bitmap tree (index, account, amount)`);
    const bitmapClaimant = prng.address() as Address;
    const bitmapLeaves = accounts.map((account, i) =>
      standardLeafFromEncoded(
        hexToBytes(
          encodeAbiParameters(
            [{ type: "uint256" }, { type: "address" }, { type: "uint256" }],
            [BigInt(i), i === 0 ? bitmapClaimant : account, amounts[i]!],
          ),
        ),
      ),
    );
    const bitmapTree = buildMerkleTree(bitmapLeaves);
    const bitmapProof = bitmapTree.proof(bytesToHex(bitmapLeaves[0]!));
    const bitmapToken = await chain.deploy(artifacts.KhoToken!, [admin]);
    const bitmap = await chain.deploy(artifacts.BitmapDistributor!, [bitmapToken.address]);
    await chain.send(bitmapToken, "mint", [bitmap.address, amounts[0]! * BigInt(BITMAP_EPOCHS)], admin);
    const bitmapClaims: bigint[] = [];
    for (let e = 1n; e <= BigInt(BITMAP_EPOCHS); e++) {
      await chain.send(bitmap, "setRoot", [e, bitmapTree.root]);
      bitmapClaims.push(await chain.send(bitmap, "claim", [e, 0n, bitmapClaimant, amounts[0]!, bitmapProof], funder));
    }
    const bitmapTotal = bitmapClaims.reduce((a, b) => a + b, 0n);
    // Kho's one claim for twelve epochs: a fresh account whose leaf in the latest root sums them.
    const twelve = rewardTree(BigInt(BITMAP_EPOCHS));
    await fundBoth(twelve.total - second.total);
    await publish(3n, twelve);
    const laterClaimant = accounts[1]!;
    log("claim: one cumulative claim covering 12 epochs");
    const cumulativeTwelve = await chain.send(
      distributor,
      "claim",
      [laterClaimant, amounts[1]! * BigInt(BITMAP_EPOCHS), twelve.proofOf(1)],
      funder,
    );

    // --- Tables, targets, data.
    const commitTable = {
      title:
        "submitBatch gas (one transaction, 21,000 base and calldata included; steady state: the relayer's second and later batches)",
      columns: [
        "receipts",
        "Kho gas",
        "Kho gas/receipt",
        "root-only ledger gas",
        "root-only gas/receipt",
        "Kho ÷ root-only",
        "event-only ledger gas",
        "Kho ÷ event-only",
        "settleBatch gas (payers)",
        "settle gas/receipt",
      ],
      rows: commits.map((c) => [
        c.receipts.toLocaleString("en-US"),
        Number(c.kho),
        perReceipt(c.kho, c.receipts),
        Number(c.rootOnly),
        perReceipt(c.rootOnly, c.receipts),
        ratio(c.kho, c.rootOnly),
        Number(c.eventOnly),
        ratio(c.kho, c.eventOnly),
        c.settle ? `${Number(c.settle.gas)} (${c.settle.payers})` : "—",
        c.settle ? perReceipt(c.settle.gas, c.receipts) : "—",
      ]),
    };
    const claimTable = {
      title: `claim gas on a ${treeSize.toLocaleString("en-US")}-leaf tree (proof of ${depth} hashes)`,
      columns: ["claim", "Kho gas", "minimal cumulative distributor gas", "Kho ÷ minimal"],
      rows: [
        [
          "new holder (first claim, no token balance)",
          Number(newHolder.kho),
          Number(newHolder.minimal),
          ratio(newHolder.kho, newHolder.minimal),
        ],
        [
          "later epoch (claimed before, holds tokens)",
          Number(laterEpoch.kho),
          Number(laterEpoch.minimal),
          ratio(laterEpoch.kho, laterEpoch.minimal),
        ],
      ],
    };
    const twelveTable = {
      title: `${BITMAP_EPOCHS} epochs of rewards: one cumulative claim vs one bitmap claim per epoch`,
      columns: ["design", "transactions", "total gas", "first claim", "each later claim", "÷ Kho"],
      rows: [
        ["Kho cumulative (one claim, latest root)", 1, Number(cumulativeTwelve), Number(cumulativeTwelve), "—", 1],
        [
          "bitmap per epoch (Uniswap-style)",
          BITMAP_EPOCHS,
          Number(bitmapTotal),
          Number(bitmapClaims[0]!),
          Number(bitmapClaims[1]!),
          ratio(bitmapTotal, cumulativeTwelve),
        ],
      ],
    };

    const targets: BenchTarget[] = [
      ...commits.map((c) => ({
        id: `commit-gas-${c.receipts}-ratio`,
        description: `submitBatch gas at ${c.receipts.toLocaleString("en-US")} receipts, Kho ÷ root-only ledger`,
        measured: ratio(c.kho, c.rootOnly),
        limit: COMMIT_RATIO_LIMIT,
        comparison: "<=" as const,
        unit: "×",
      })),
      {
        id: "claim-gas-new-holder-ratio",
        description: "claim gas for a new holder, Kho ÷ minimal cumulative distributor",
        measured: ratio(newHolder.kho, newHolder.minimal),
        limit: CLAIM_RATIO_LIMIT,
        comparison: "<=",
        unit: "×",
      },
      {
        id: "claim-gas-later-epoch-ratio",
        description: "claim gas for a later epoch, Kho ÷ minimal cumulative distributor",
        measured: ratio(laterEpoch.kho, laterEpoch.minimal),
        limit: CLAIM_RATIO_LIMIT,
        comparison: "<=",
        unit: "×",
      },
    ];

    return {
      tables: [commitTable, claimTable, twelveTable],
      data: {
        treeLeaves: treeSize,
        commits: commits.map((c) => ({
          receipts: c.receipts,
          kho: Number(c.kho),
          rootOnly: Number(c.rootOnly),
          eventOnly: Number(c.eventOnly),
          khoPerReceipt: Number(c.kho) / c.receipts,
          rootOnlyPerReceipt: Number(c.rootOnly) / c.receipts,
          ratio: ratio(c.kho, c.rootOnly),
          ...(c.settle
            ? {
                settle: Number(c.settle.gas),
                settlePayers: c.settle.payers,
                settlePerReceipt: Number(c.settle.gas) / c.receipts,
              }
            : {}),
        })),
        claims: {
          newHolder: { kho: Number(newHolder.kho), minimal: Number(newHolder.minimal) },
          laterEpoch: { kho: Number(laterEpoch.kho), minimal: Number(laterEpoch.minimal) },
          twelveEpochs: {
            khoCumulative: Number(cumulativeTwelve),
            bitmapTotal: Number(bitmapTotal),
            bitmapClaims: bitmapClaims.map(Number),
          },
        },
      },
      notes: [
        "Gas is each transaction's gasUsed on Hardhat's EVM (cancun), the same in every run: 21,000 base, calldata and execution.",
        "Root-only ledger: an authorized relayer stores the batch root in one new slot and emits the same event (the least a contract can check later); event-only: stores nothing (reference; no contract can check such a batch).",
        "Kho's submitBatch: the same event, contiguous batch ids, epoch window and argument checks, and one new slot holding the batch header's hash.",
        `settleBatch charges each payer once and pays ${OPERATORS} operators; its gas depends on payers and operators, not on receipts.`,
      ],
      targets,
    };
  },
};
