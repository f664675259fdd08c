import { type Address, type Hex, type PublicClient, getAddress } from "viem";
import { communityRegistryAbi, usageLedgerAbi } from "../protocol/abis";
import { batchTree, parseBatchFile } from "../protocol/batch-file";
import type { Deployment } from "../protocol/deployment";
import { epochStart } from "../protocol/epoch";
import { type InferenceReceipt, UserKind, hashReceipt, userIdAddress } from "../protocol/receipt";

const DAY = 86_400n;

export type DailyUsage = { day: number; active: number; returning: number };

export type ModelUsage = {
  modelId: string;
  communityId: string;
  calls: number;
  distinctUsers: number;
  /** Active on at least two days of the epoch. */
  returningUsers: number;
  /** Returning users who signed with a wallet that is a member of the model's community now. */
  returningMembers: number;
  /** Σ receipt fees, decimal wei. */
  fees: string;
  daily: DailyUsage[];
};

export type EpochUsage = {
  epoch: string;
  epochStart: string;
  days: number;
  batches: { accepted: number; rejected: { relayer: Address; batchId: string; reason: string }[] };
  models: ModelUsage[];
};

export type EpochUsageParameters = {
  client: PublicClient;
  deployment: Deployment;
  epoch: bigint;
  fetchBytes: (uri: string) => Promise<Uint8Array>;
};

/**
 * Per-model usage of one epoch from public data only: the BatchSubmitted events on the
 * UsageLedger and the batch files they point to. A batch counts only when its bytes rebuild the
 * on-chain Merkle root; it is listed as rejected otherwise. Signatures are not re-checked here
 * (the rewards pipeline does that when it pays); these numbers are for people comparing models.
 */
export async function epochUsage(parameters: EpochUsageParameters): Promise<EpochUsage> {
  const { client, deployment, epoch } = parameters;
  const ledger = deployment.contracts.UsageLedger;
  const events = await client.getContractEvents({
    address: ledger,
    abi: usageLedgerAbi,
    eventName: "BatchSubmitted",
    args: { epoch },
    fromBlock: deployment.blockNumber,
  });
  const receipts: InferenceReceipt[] = [];
  const rejected: EpochUsage["batches"]["rejected"] = [];
  for (const event of events) {
    const { relayer, batchId, root, dataURI } = event.args;
    if (!relayer || batchId === undefined || !root || dataURI === undefined) continue;
    try {
      const file = parseBatchFile(await parameters.fetchBytes(dataURI));
      const rebuilt = batchTree(
        file.receipts.map((r) => hashReceipt(r.receipt, { chainId: deployment.chainId, ledger })),
      );
      if (rebuilt.root !== root) throw new Error(`its receipts rebuild root ${rebuilt.root}, the chain holds ${root}`);
      receipts.push(...file.receipts.map((r) => r.receipt));
    } catch (error) {
      rejected.push({
        relayer,
        batchId: batchId.toString(),
        reason: error instanceof Error ? error.message : String(error),
      });
    }
  }

  const start = epochStart(deployment.epoch, epoch);
  const days = Number(deployment.epoch.length / DAY) || 1;
  const byModel = new Map<bigint, InferenceReceipt[]>();
  for (const receipt of receipts) {
    const list = byModel.get(receipt.modelId) ?? [];
    list.push(receipt);
    byModel.set(receipt.modelId, list);
  }

  const memberCache = new Map<string, boolean>();
  const isMember = async (communityId: bigint, account: Address) => {
    const key = `${communityId}:${account}`;
    const cached = memberCache.get(key);
    if (cached !== undefined) return cached;
    const member = await client.readContract({
      address: deployment.contracts.CommunityRegistry,
      abi: communityRegistryAbi,
      functionName: "isMember",
      args: [communityId, account],
    });
    memberCache.set(key, member);
    return member;
  };

  const models: ModelUsage[] = [];
  for (const [modelId, list] of [...byModel].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const userDays = new Map<Hex, Set<number>>();
    const walletOf = new Map<Hex, Address>();
    let fees = 0n;
    for (const r of list) {
      const day = Math.min(days - 1, Math.max(0, Number((r.timestamp - start) / DAY)));
      const set = userDays.get(r.userId) ?? new Set<number>();
      set.add(day);
      userDays.set(r.userId, set);
      const wallet = r.userKind === UserKind.Wallet ? userIdAddress(r.userId, r.userKind) : null;
      if (wallet) walletOf.set(r.userId, getAddress(wallet));
      fees += r.fee;
    }
    const communityId = list[0]!.communityId;
    const returning = [...userDays].filter(([, set]) => set.size >= 2).map(([user]) => user);
    let returningMembers = 0;
    for (const user of returning) {
      const wallet = walletOf.get(user);
      if (wallet && (await isMember(communityId, wallet))) returningMembers += 1;
    }
    const daily: DailyUsage[] = Array.from({ length: days }, (_, day) => {
      let active = 0;
      let back = 0;
      for (const set of userDays.values()) {
        if (!set.has(day)) continue;
        active += 1;
        if ([...set].some((d) => d < day)) back += 1;
      }
      return { day, active, returning: back };
    });
    models.push({
      modelId: modelId.toString(),
      communityId: communityId.toString(),
      calls: list.length,
      distinctUsers: userDays.size,
      returningUsers: returning.length,
      returningMembers,
      fees: fees.toString(),
      daily,
    });
  }
  return {
    epoch: epoch.toString(),
    epochStart: start.toString(),
    days,
    batches: { accepted: events.length - rejected.length, rejected },
    models,
  };
}
