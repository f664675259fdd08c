import { type Address, type Hex, getAddress, isAddress } from "viem";
import { z } from "zod";
import { buildMerkleTree, bytes32ToHex, rewardLeafBytes, verifyProof } from "./merkle";
import { KhoError } from "./errors";
import { prettyCanonicalJson } from "./pretty-canonical-json";
import { describeZodIssue } from "./zod-issue";

export type CumulativeTreeEntry = {
  account: Address;
  /** Cumulative amount through the previous epoch. */
  previous: bigint;
  /** This epoch's payout. */
  payout: bigint;
  /** previous + payout: the amount in the leaf. */
  cumulative: bigint;
  leaf: Hex;
  proof: Hex[];
};

export type CumulativeRewardTree = {
  epoch: bigint;
  /** Null when no account has a non-zero cumulative amount (nothing to publish). */
  root: Hex | null;
  /** Σ cumulative: what the distributor must have been funded with, in total, for this root. */
  total: bigint;
  /** Ascending lower-case address; only non-zero cumulative amounts. */
  entries: CumulativeTreeEntry[];
};

export type BuildCumulativeRewardTreeParameters = {
  epoch: bigint;
  /** This epoch's payouts, e.g. EpochRewardsResult.accounts. */
  payouts: Iterable<{ account: Address; amount: bigint }>;
  /** Cumulative amounts through the previous epoch (e.g. cumulativeAmounts(previousTree)). */
  previousCumulative: ReadonlyMap<Address, bigint>;
};
export type BuildCumulativeRewardTreeReturnType = CumulativeRewardTree;
export type BuildCumulativeRewardTreeErrorType = RewardTreeError;

/** A cumulative reward tree (or its inputs) is malformed; the message is one sentence. */
export class RewardTreeError extends KhoError {
  override name = "RewardTreeError";
  readonly code = "reward_tree_invalid";
}

const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function checkAddress(value: unknown, what: string): Address {
  if (typeof value !== "string" || !isAddress(value, { strict: false })) {
    throw new RewardTreeError(`${what} ${String(value)} is not a 20-byte hex address.`);
  }
  return getAddress(value);
}

function collect(
  entries: Iterable<readonly [unknown, unknown]>,
  what: string,
  into: Map<string, { account: Address; amount: bigint }>,
) {
  for (const [account, amount] of entries) {
    const address = checkAddress(account, `${what} account`);
    if (typeof amount !== "bigint" || amount < 0n) {
      throw new RewardTreeError(`${what} amount ${String(amount)} for ${address} is not a non-negative bigint.`);
    }
    const key = address.toLowerCase();
    if (into.has(key)) throw new RewardTreeError(`${what} lists account ${address} twice.`);
    into.set(key, { account: address, amount });
  }
}

/** Leaves (account, previous cumulative + payout) for every account with a non-zero cumulative. */
export function buildCumulativeRewardTree(
  parameters: BuildCumulativeRewardTreeParameters,
): BuildCumulativeRewardTreeReturnType {
  const { epoch } = parameters;
  if (typeof epoch !== "bigint" || epoch < 0n)
    throw new RewardTreeError(`Epoch ${String(epoch)} is not a non-negative bigint.`);
  if (!(parameters.previousCumulative instanceof Map)) {
    throw new RewardTreeError("previousCumulative must be a Map from address to bigint.");
  }
  const previous = new Map<string, { account: Address; amount: bigint }>();
  const payouts = new Map<string, { account: Address; amount: bigint }>();
  collect(parameters.previousCumulative, "previousCumulative", previous);
  collect(
    [...parameters.payouts].map((p) => [p.account, p.amount] as const),
    "Payouts",
    payouts,
  );

  const keys = [...new Set([...previous.keys(), ...payouts.keys()])].sort(byString);
  const rows = keys
    .map((key) => {
      const before = previous.get(key)?.amount ?? 0n;
      const payout = payouts.get(key)?.amount ?? 0n;
      const account = (payouts.get(key) ?? previous.get(key))!.account;
      return { account, previous: before, payout, cumulative: before + payout };
    })
    .filter((row) => row.cumulative > 0n);
  if (rows.length === 0) return { epoch, root: null, total: 0n, entries: [] };

  const leaves = rows.map((row) => rewardLeafBytes(row.account, row.cumulative));
  const tree = buildMerkleTree(leaves);
  const entries = rows.map((row, i) => {
    const leaf = bytes32ToHex(leaves[i]!);
    return { ...row, leaf, proof: tree.proof(leaf) };
  });
  return { epoch, root: tree.root, total: rows.reduce((sum, r) => sum + r.cumulative, 0n), entries };
}

/** account → cumulative amount: the next epoch's previousCumulative. */
export function cumulativeAmounts(tree: CumulativeRewardTree): Map<Address, bigint> {
  return new Map(tree.entries.map((e) => [e.account, e.cumulative]));
}

/** The published dump format (docs/rewards.md, "Cumulative tree file"). */
export function serializeCumulativeRewardTree(tree: CumulativeRewardTree): string {
  return prettyCanonicalJson({
    version: 1,
    epoch: tree.epoch,
    root: tree.root,
    total: tree.total,
    accounts: tree.entries,
  });
}

const uint = z.string().regex(/^(0|[1-9][0-9]*)$/, "must be a decimal integer string");
const bytes32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, "must be a 32-byte hex string");
const treeFileSchema = z.object({
  version: z.literal(1),
  epoch: uint,
  root: bytes32.nullable(),
  total: uint,
  accounts: z.array(
    z.object({
      account: z.string(),
      previous: uint,
      payout: uint,
      cumulative: uint,
      leaf: bytes32,
      proof: z.array(bytes32),
    }),
  ),
});

/** Parses a dump and checks every leaf, proof and total against its root; throws on any mismatch. */
export function parseCumulativeRewardTree(json: string): CumulativeRewardTree {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (cause) {
    throw new RewardTreeError("Cumulative tree file is not valid JSON.", { cause });
  }
  const parsed = treeFileSchema.safeParse(raw);
  if (!parsed.success) {
    throw new RewardTreeError(`Cumulative tree file field ${describeZodIssue(parsed.error)}.`, {
      cause: parsed.error,
    });
  }
  const file = parsed.data;
  const root = file.root === null ? null : (file.root.toLowerCase() as Hex);
  const entries = file.accounts.map((a) => {
    const account = checkAddress(a.account, "Cumulative tree");
    const entry: CumulativeTreeEntry = {
      account,
      previous: BigInt(a.previous),
      payout: BigInt(a.payout),
      cumulative: BigInt(a.cumulative),
      leaf: a.leaf as Hex,
      proof: a.proof as Hex[],
    };
    if (entry.previous + entry.payout !== entry.cumulative || entry.cumulative === 0n) {
      throw new RewardTreeError(
        `Cumulative tree entry for ${account} does not add up to a non-zero cumulative amount.`,
      );
    }
    if (bytes32ToHex(rewardLeafBytes(account, entry.cumulative)) !== entry.leaf.toLowerCase()) {
      throw new RewardTreeError(`Cumulative tree entry for ${account} has a leaf that does not match its amount.`);
    }
    return entry;
  });
  if (new Set(entries.map((e) => e.account.toLowerCase())).size !== entries.length) {
    throw new RewardTreeError("Cumulative tree file lists an account twice.");
  }
  // Rebuilding the root proves the file holds every leaf of the tree, not just valid proofs.
  const rebuilt =
    entries.length > 0 ? buildMerkleTree(entries.map((e) => rewardLeafBytes(e.account, e.cumulative))).root : null;
  if (rebuilt !== root) throw new RewardTreeError(`Cumulative tree root ${String(root)} does not match its entries.`);
  for (const e of entries) {
    if (!verifyProof(root!, e.leaf, e.proof)) {
      throw new RewardTreeError(`Cumulative tree proof for ${e.account} does not lead to root ${root}.`);
    }
  }
  const total = entries.reduce((sum, e) => sum + e.cumulative, 0n);
  if (total !== BigInt(file.total))
    throw new RewardTreeError("Cumulative tree total does not equal the sum of its entries.");
  return { epoch: BigInt(file.epoch), root, total, entries };
}
