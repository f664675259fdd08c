import fc from "fast-check";
import type { Address } from "viem";
import { describe, expect, it } from "vitest";
import { type InferenceReceipt, UserKind, addressUserId } from "../../protocol/receipt";
import {
  EPOCH_END,
  EPOCH_LENGTH,
  EPOCH_START,
  addr,
  arbEpochInput,
  arrays,
  calls,
  input,
  model,
  receipt,
  recognized,
} from "./__fixtures__/epoch";
import { computeEpochRewards } from "./compute-epoch-rewards";
import { buildCumulativeRewardTree, serializeCumulativeRewardTree } from "../../protocol/cumulative-tree";
import { BPS, SCORE_SCALE, sublinear } from "./fixed-point";
import { serializeEpochRewards } from "./serialize-epoch-rewards";
import type { EpochRewardsInput, EpochRewardsResult, RegistryModel } from "./types";

const RUNS = { numRuns: 100 };
/** For properties whose cases stream thousands of receipts. */
const HEAVY_RUNS = { numRuns: 30 };
const U = (n: number) => addr(n);
const BUILDER_A = addr(901);
const BUILDER_B = addr(902);
const OPERATOR = addr(911);

function modelStats(result: EpochRewardsResult, modelId: bigint) {
  const stats = result.models.find((m) => m.modelId === modelId);
  if (!stats) throw new Error(`model ${modelId} has no stats`);
  return stats;
}

/** Two single-deployment models, A (id 1) and B (id 2), both of community 1, members U(1..40). */
function twoModels(
  receiptsA: InferenceReceipt[],
  receiptsB: InferenceReceipt[],
  overrides: Partial<EpochRewardsInput> = {},
) {
  return computeEpochRewards(
    input({
      registry: [model(1n, BUILDER_A, [[11n, OPERATOR]]), model(2n, BUILDER_B, [[21n, OPERATOR]])],
      communities: recognized([[1n, Array.from({ length: 40 }, (_, i) => U(i + 1))]]),
      receipts: [...receiptsA, ...receiptsB],
      ...overrides,
    }),
  );
}

/** Deterministic Fisher–Yates driven by a fast-check seed, so failures replay. */
function shuffle<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let state = (seed >>> 0) + 1;
  for (let i = out.length - 1; i > 0; i--) {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe("property 1: deployment-count invariance", () => {
  it("adding deployments without more usage never raises a model's score; the builder's own or fresh ones change nothing", () => {
    fc.assert(
      fc.property(
        arbEpochInput,
        fc.nat(),
        fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 1, maxLength: 5 }),
        (base, pick, operatorNumbers) => {
          const { registry } = arrays(base);
          const target = registry[pick % registry.length]!;
          const extra = operatorNumbers.map((n, i) => ({ deploymentId: 10_000n + BigInt(i), operator: addr(n) }));
          const grown: RegistryModel[] = registry.map((m) =>
            m === target ? { ...m, deployments: [...m.deployments, ...extra] } : m,
          );
          const before = computeEpochRewards(base);
          const after = computeEpochRewards({ ...base, registry: grown });
          const stats = (r: EpochRewardsResult) => r.models.find((m) => m.modelId === target.modelId);
          // The model's score never rises: a new operator who used or paid for the model only turns that into self-usage.
          expect(stats(after)?.memberScore ?? 0n).toBeLessThanOrEqual(stats(before)?.memberScore ?? 0n);
          expect(stats(after)?.nonMemberScore ?? 0n).toBeLessThanOrEqual(stats(before)?.nonMemberScore ?? 0n);
          // Deployments run by the builder or its existing operators change nothing at all.
          const self = new Set([target.builder, ...target.deployments.map((d) => d.operator)]);
          const ownAddresses = operatorNumbers.map((n, i) => ({
            deploymentId: 20_000n + BigInt(i),
            operator: [...self][n % self.size]!,
          }));
          const spam = computeEpochRewards({
            ...base,
            registry: registry.map((m) =>
              m === target ? { ...m, deployments: [...m.deployments, ...ownAddresses] } : m,
            ),
          });
          expect(spam.accounts.map((a) => [a.account, a.amount])).toEqual(
            before.accounts.map((a) => [a.account, a.amount]),
          );
          // Operators 13..20 are never users in the fixtures: such deployments change no payout at all.
          if (operatorNumbers.every((n) => n > 12)) {
            expect(after.accounts.map((a) => [a.account, a.amount])).toEqual(
              before.accounts.map((a) => [a.account, a.amount]),
            );
          }
          // The new deployments served nothing, so their operators earn nothing for them.
          for (const account of after.accounts) {
            for (const o of account.operator) expect(o.deploymentId < 10_000n).toBe(true);
          }
          for (const account of spam.accounts) {
            for (const o of account.operator) expect(o.deploymentId < 20_000n).toBe(true);
          }
        },
      ),
      RUNS,
    );
  });

  it("spreading the same calls over more deployments leaves the builder's payout unchanged", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ user: fc.integer({ min: 1, max: 8 }), day: fc.nat({ max: 6 }) }), {
          minLength: 1,
          maxLength: 30,
        }),
        fc.integer({ min: 2, max: 12 }),
        fc.nat(),
        (usage, deploymentCount, seed) => {
          const operators: [bigint, Address][] = Array.from({ length: deploymentCount }, (_, i) => [
            BigInt(100 + i),
            addr(700 + i),
          ]);
          const one = usage.map((u) => receipt({ model: 1n, deployment: 100n, user: U(u.user), day: u.day }));
          const many = usage.map((u, i) =>
            receipt({
              model: 1n,
              deployment: BigInt(100 + ((seed + i) % deploymentCount)),
              user: U(u.user),
              day: u.day,
            }),
          );
          const other = [receipt({ model: 2n, deployment: 21n, user: U(30) })];
          const base = { communities: recognized([[1n, Array.from({ length: 40 }, (_, i) => U(i + 1))]]) };
          const r1 = computeEpochRewards(
            input({
              ...base,
              registry: [model(1n, BUILDER_A, operators.slice(0, 1)), model(2n, BUILDER_B, [[21n, OPERATOR]])],
              receipts: [...one, ...other],
            }),
          );
          const rN = computeEpochRewards(
            input({
              ...base,
              registry: [model(1n, BUILDER_A, operators), model(2n, BUILDER_B, [[21n, OPERATOR]])],
              receipts: [...many, ...other],
            }),
          );
          expect(modelStats(rN, 1n).builderPayout).toBe(modelStats(r1, 1n).builderPayout);
          expect(modelStats(rN, 1n).memberScore).toBe(modelStats(r1, 1n).memberScore);
        },
      ),
      RUNS,
    );
  });

  it("operators earn only for calls they served, in proportion to the usage they served", () => {
    fc.assert(
      fc.property(arbEpochInput, (i) => {
        const result = computeEpochRewards(i);
        for (const account of result.accounts) {
          for (const o of account.operator) {
            expect(o.callsServed).toBeGreaterThan(0);
            if (o.servedScore === 0n) expect(o.amount).toBe(0n);
          }
        }
        for (const m of result.models) {
          const served = m.deploymentStats.reduce((s, d) => s + d.servedScore, 0n);
          for (const d of m.deploymentStats) {
            if (served === 0n) {
              expect(d.operatorPayout).toBe(0n);
              continue;
            }
            // floor(modelShare × served_d / Σ served): off by less than one wei.
            const exact = m.operatorPayout * d.servedScore;
            expect(d.operatorPayout * served <= exact && exact < (d.operatorPayout + 1n) * served).toBe(true);
          }
        }
      }),
      RUNS,
    );
  });
});

const DAY_POINT = SCORE_SCALE;
const day = (n: bigint) => n * DAY_POINT;

describe("property 2: volume saturation", () => {
  it("any number of calls on one day counts exactly one call", () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 5000 }), fc.integer({ min: 1, max: 7 }), (n, days) => {
        const burst = Array.from({ length: days }, (_, d) =>
          calls(n, { model: 1n, deployment: 11n, user: U(1), day: d }),
        );
        const single = Array.from({ length: days }, (_, d) =>
          receipt({ model: 2n, deployment: 21n, user: U(2), day: d }),
        );
        const result = twoModels(burst.flat(), single);
        expect(modelStats(result, 1n).memberScore).toBe(modelStats(result, 2n).memberScore);
        expect(modelStats(result, 1n).builderPayout).toBe(modelStats(result, 2n).builderPayout);
      }),
      HEAVY_RUNS,
    );
  });
});

describe("property 3: retention first", () => {
  it("a one-off visitor counts oneOffBps of a day; returning on k days counts k; any calls on one day never beat two days", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 7 }),
        fc.integer({ min: 1, max: 3000 }),
        fc.nat({ max: 10_000 }),
        (k, n, oneOffBps) => {
          const params = { oneOffBps };
          const spread = Array.from({ length: k }, (_, d) =>
            receipt({ model: 1n, deployment: 11n, user: U(1), day: d }),
          );
          const burst = calls(n, { model: 2n, deployment: 21n, user: U(2) });
          const result = twoModels(spread, burst, { params });
          expect(modelStats(result, 1n).memberScore).toBe(day(BigInt(k)));
          expect(modelStats(result, 2n).memberScore).toBe((BigInt(oneOffBps) * SCORE_SCALE) / BPS);
          expect(modelStats(result, 1n).builderPayout).toBeGreaterThan(modelStats(result, 2n).builderPayout);
          expect(modelStats(result, 1n).returningUsers).toBe(1);
          expect(modelStats(result, 2n).returningUsers).toBe(0);
        },
      ),
      HEAVY_RUNS,
    );
    // With the defaults a member returning on 2 days is worth 20 one-off visitors however many calls they make.
    const result = twoModels(
      [0, 1].map((d) => receipt({ model: 1n, deployment: 11n, user: U(1), day: d })),
      Array.from({ length: 20 }, (_, u) => calls(50, { model: 2n, deployment: 21n, user: U(u + 2) })).flat(),
    );
    expect(modelStats(result, 1n).memberScore).toBe(modelStats(result, 2n).memberScore);
  });

  it("earlier epochs add retentionEpochBps each, up to retentionMaxEpochs", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9 }), fc.nat({ max: 10_000 }), fc.nat({ max: 6 }), (epochs, bonus, max) => {
        const params = { retentionEpochBps: bonus, retentionMaxEpochs: max };
        const history = [{ modelId: 1n, userId: addressUserId(U(1)), userKind: UserKind.Wallet, epochsActive: epochs }];
        const result = twoModels(
          [receipt({ model: 1n, deployment: 11n, user: U(1) })],
          [receipt({ model: 2n, deployment: 21n, user: U(2) })],
          { params, history },
        );
        const counted = BigInt(Math.min(epochs, max));
        const expected =
          counted === 0n ? (1_000n * SCORE_SCALE) / BPS : ((BPS + BigInt(bonus) * counted) * SCORE_SCALE) / BPS;
        expect(modelStats(result, 1n).memberScore).toBe(expected);
        expect(modelStats(result, 1n).returningUsers).toBe(counted > 0n ? 1 : 0);
      }),
      RUNS,
    );
  });
});

describe("property 4: breadth", () => {
  it("10 distinct returning members outweigh 1 member with the same total activity", () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 7 }), fc.integer({ min: 1, max: 20 }), (days, perDay) => {
        const many: InferenceReceipt[] = [];
        for (let u = 1; u <= 10; u++) {
          for (let d = 0; d < days; d++)
            many.push(...calls(perDay, { model: 1n, deployment: 11n, user: U(u), day: d }));
        }
        const one: InferenceReceipt[] = [];
        for (let d = 0; d < days; d++)
          one.push(...calls(10 * perDay, { model: 2n, deployment: 21n, user: U(20), day: d }));
        const result = twoModels(many, one);
        expect(modelStats(result, 1n).calls).toBe(modelStats(result, 2n).calls);
        expect(modelStats(result, 1n).builderPayout).toBeGreaterThan(5n * modelStats(result, 2n).builderPayout);
      }),
      HEAVY_RUNS,
    );
  });
});

describe("property 5: bounded identities", () => {
  it("one budget per identity across all models: no identity adds more than the cap, and spreading never adds", () => {
    fc.assert(
      fc.property(arbEpochInput, (i) => {
        const result = computeEpochRewards(i);
        const members = result.models.reduce((s, m) => s + m.memberScore, 0n);
        expect(members).toBeLessThanOrEqual(BigInt(result.totals.distinctUsers) * result.identityCap);
      }),
      RUNS,
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 7 }), (models, days) => {
        // U(1) uses `models` models on `days` days; U(2) uses one model on the same days.
        const registry = Array.from({ length: models + 1 }, (_, i) =>
          model(BigInt(i + 1), addr(500 + i), [[BigInt(1000 + i), addr(600 + i)]]),
        );
        const receipts: InferenceReceipt[] = [];
        for (let d = 0; d < days; d++) {
          for (let m = 1; m <= models; m++)
            receipts.push(receipt({ model: BigInt(m), deployment: BigInt(999 + m), user: U(1), day: d }));
          receipts.push(receipt({ model: BigInt(models + 1), deployment: BigInt(1000 + models), user: U(2), day: d }));
        }
        const history = Array.from({ length: models }, (_, m) => ({
          modelId: BigInt(m + 1),
          userId: addressUserId(U(1)),
          userKind: UserKind.Wallet,
          epochsActive: 5,
        }));
        const result = computeEpochRewards(
          input({ registry, receipts, history, communities: recognized([[1n, [U(1), U(2)]]]) }),
        );
        const spreader = result.models
          .filter((m) => m.modelId <= BigInt(models))
          .reduce((s, m) => s + m.memberScore, 0n);
        expect(spreader).toBeLessThanOrEqual(result.identityCap);
        // Spreading gains nothing: the same days on one model with the same history count exactly as much.
        expect(spreader).toBeLessThanOrEqual(day(BigInt(days)) + day(5n));
        expect(spreader).toBeGreaterThanOrEqual(day(BigInt(days)) + day(5n) - BigInt(models));
      }),
      RUNS,
    );
  });

  it("pseudonyms of one payer and the non-members of one model count together sublinearly", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 400 }),
        fc.integer({ min: 1, max: 7 }),
        fc.integer({ min: 1, max: 10_000 }),
        (k, days, weight) => {
          const params = { nonMemberWeightBps: weight };
          const farm = (payers: "one" | "each") =>
            Array.from({ length: k }, (_, p) =>
              Array.from({ length: days }, (_, d) =>
                receipt({
                  model: 1n,
                  deployment: 11n,
                  user: { salted: p + 1 },
                  day: d,
                  fee: 1n,
                  payer: payers === "one" ? addr(700) : addr(2_000 + p),
                }),
              ),
            ).flat();
          const registry = [model(1n, BUILDER_A, [[11n, OPERATOR]], [], 1n, { admitted: false, pricePerCall: 1n })];
          const one = computeEpochRewards(input({ registry, receipts: farm("one"), params }));
          const each = computeEpochRewards(input({ registry, receipts: farm("each"), params }));
          const points = days === 1 ? (1_000n * SCORE_SCALE) / BPS : day(BigInt(days));
          const w = (x: bigint) => (x * BigInt(weight)) / BPS;
          // One payer: one cluster, then the model: two square roots of the sum.
          expect(modelStats(one, 1n).nonMemberScore).toBe(w(sublinear(sublinear(BigInt(k) * points))));
          // k payers: k clusters, one square root over the model.
          expect(modelStats(each, 1n).nonMemberScore).toBe(w(sublinear(BigInt(k) * sublinear(points))));
          expect(modelStats(one, 1n).nonMemberScore).toBeLessThanOrEqual(modelStats(each, 1n).nonMemberScore);
          // Never a sum: k identities count less than k times one identity once their total passes one day.
          if (BigInt(k) * points > SCORE_SCALE)
            expect(modelStats(each, 1n).nonMemberScore).toBeLessThan(w(BigInt(k) * points));
          expect(modelStats(one, 1n).nonMemberPayers).toBe(1);
          expect(modelStats(each, 1n).nonMemberPayers).toBe(k);
        },
      ),
      RUNS,
    );
  });

  it("members count only in a recognized community for an admitted model; otherwise they are non-members", () => {
    fc.assert(
      fc.property(fc.boolean(), fc.boolean(), (isRecognized, admitted) => {
        const result = computeEpochRewards(
          input({
            registry: [model(1n, BUILDER_A, [[11n, OPERATOR]], [], 1n, { admitted, pricePerCall: 1n })],
            communities: new Map([[1n, { recognized: isRecognized, members: [U(1)] }]]),
            receipts: [0, 1, 2].map((d) => receipt({ model: 1n, deployment: 11n, user: U(1), day: d, fee: 1n })),
          }),
        );
        const counted = isRecognized && admitted;
        expect(modelStats(result, 1n).memberUsers).toBe(counted ? 1 : 0);
        expect(modelStats(result, 1n).nonMemberUsers).toBe(counted ? 0 : 1);
        expect(modelStats(result, 1n).memberScore).toBe(counted ? day(3n) : 0n);
      }),
    );
  });

  it("a builder's or operator's own usage of their model, or usage they pay for, changes no payout", () => {
    fc.assert(
      fc.property(
        arbEpochInput,
        fc.array(
          fc.record({
            pick: fc.nat(),
            who: fc.nat(),
            second: fc.nat({ max: Number(EPOCH_LENGTH) - 1 }),
            kind: fc.constantFrom(1, 2),
            paidForSomeoneElse: fc.boolean(),
            fee: fc.bigInt({ min: 0n, max: 10n ** 18n }),
          }),
          { minLength: 1, maxLength: 20 },
        ),
        (base, selfCalls) => {
          const { registry, receipts } = arrays(base);
          const extra = selfCalls.map((c, n): InferenceReceipt => {
            const m = registry[c.pick % registry.length]!;
            const own = [m.builder, ...m.deployments.map((d) => d.operator)];
            const d = m.deployments[c.pick % m.deployments.length]!;
            const self = own[c.who % own.length]!;
            return {
              ...receipt({
                model: m.modelId,
                deployment: d.deploymentId,
                // A fresh pseudonym the builder or operator pays for is its own usage too.
                user: c.paidForSomeoneElse ? { salted: 10_000 + n } : self,
                second: c.second,
                kind: c.kind as 1 | 2,
                fee: c.fee,
                payer: self,
              }),
              requestId: `0x${(100_000 + n).toString(16).padStart(64, "f")}`,
            };
          });
          const before = computeEpochRewards(base);
          const after = computeEpochRewards({ ...base, receipts: [...receipts, ...extra] });
          // Self-usage may add zero-amount explanation rows (a builder of a newly "used" model), never money.
          const paid = (r: EpochRewardsResult) =>
            r.accounts.filter((a) => a.amount > 0n).map((a) => [a.account, a.amount]);
          expect(paid(after)).toEqual(paid(before));
          expect(after.totals.score).toBe(before.totals.score);
        },
      ),
      RUNS,
    );
  });
});

describe("property 5b: bounded by what was paid", () => {
  it("no model's non-member usage earns more than paidRewardCapBps of the protocol fees it paid", () => {
    fc.assert(
      fc.property(arbEpochInput, (i) => {
        const result = computeEpochRewards(i);
        const feesByModel = new Map<bigint, bigint>();
        for (const r of arrays(i).receipts) feesByModel.set(r.modelId, (feesByModel.get(r.modelId) ?? 0n) + r.fee);
        for (const m of result.models) {
          const protocol = (m.nonMemberFees * BigInt(i.protocolFeeBps)) / BPS;
          expect(m.nonMemberFees).toBeLessThanOrEqual(feesByModel.get(m.modelId) ?? 0n);
          expect(m.nonMemberReward * BPS).toBeLessThanOrEqual(protocol * BigInt(result.params.paidRewardCapBps));
          expect(m.nonMemberReward).toBeLessThan(protocol + 1n);
          if (m.pricePerCall === 0n) expect(m.nonMemberScore).toBe(0n);
        }
      }),
      { numRuns: 200 },
    );
  });

  it("farming a model with paid non-member usage returns less than the fees' protocol part, at any size", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 300 }),
        fc.bigInt({ min: 1n, max: 10n ** 20n }),
        fc.nat({ max: 9_999 }),
        (k, fee, cap) => {
          const farmer = addr(700);
          const registry = [
            model(1n, BUILDER_A, [[11n, OPERATOR]], [], 1n, { admitted: true }),
            model(2n, farmer, [[21n, farmer]], [], 9n, { admitted: false, pricePerCall: fee }),
          ];
          const receipts = [
            receipt({ model: 1n, deployment: 11n, user: U(1), day: 1 }),
            ...Array.from({ length: k }, (_, p) =>
              [0, 1, 2, 3, 4, 5, 6].map((d) =>
                receipt({ model: 2n, deployment: 21n, user: { salted: p + 1 }, day: d, fee, payer: addr(701) }),
              ),
            ).flat(),
          ];
          const result = computeEpochRewards(
            input({
              registry,
              receipts,
              communities: recognized([[1n, [U(1)]]]),
              params: { paidRewardCapBps: cap },
              budget: 10n ** 24n,
            }),
          );
          const earned = result.accounts.find((a) => a.account === farmer)?.amount ?? 0n;
          const protocolFees = (fee * BigInt(7 * k) * 1_000n) / BPS;
          expect(earned * BPS).toBeLessThanOrEqual(protocolFees * BigInt(cap));
        },
      ),
      RUNS,
    );
  });

  it("a free model's non-member usage earns nothing", () => {
    const result = computeEpochRewards(
      input({
        registry: [model(1n, BUILDER_A, [[11n, OPERATOR]], [], 1n, { admitted: false, pricePerCall: 0n })],
        receipts: Array.from({ length: 50 }, (_, u) =>
          [0, 1, 2].map((d) => receipt({ model: 1n, deployment: 11n, user: U(u + 1), day: d, fee: 10n ** 18n })),
        ).flat(),
      }),
    );
    expect(result.accounts).toEqual([]);
    expect(result.unallocated).toBe(result.budget);
  });
});

describe("property 6: stake over time", () => {
  const STAKER = addr(801);
  const JIT = addr(802);
  const stakerOnly = { builderShareBps: 0, operatorShareBps: 0, stakerShareBps: 10_000, minEffectiveStake: 0n };
  const usage = [receipt({ model: 1n, deployment: 11n, user: U(1) })];
  const registry = [model(1n, BUILDER_A, [[11n, OPERATOR]], [1n])];
  const communities = recognized([[1n, [U(1)]]]);
  const stakerAmount = (r: EpochRewardsResult, a: Address) =>
    r.accounts.find((x) => x.account === a)?.byRole.staker ?? 0n;

  it("a stake placed in the last minutes earns ~nothing, alone or next to long-term stakers", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3600 }),
        fc.bigInt({ min: 1n, max: 10n ** 30n }),
        fc.bigInt({ min: 0n, max: 10n ** 24n }),
        fc.bigInt({ min: 1n, max: 10n ** 24n }),
        (secondsBeforeEnd, jitAmount, honestAmount, budget) => {
          const jit = {
            datasetId: 1n,
            staker: JIT,
            amountAtStart: 0n,
            checkpoints: [{ timestamp: EPOCH_END - BigInt(secondsBeforeEnd), amount: jitAmount }],
          };
          const stakes =
            honestAmount > 0n
              ? [jit, { datasetId: 1n, staker: STAKER, amountAtStart: honestAmount, checkpoints: [] }]
              : [jit];
          const result = computeEpochRewards(
            input({ budget, params: stakerOnly, registry, communities, receipts: usage, stakes }),
          );
          if (honestAmount === 0n) {
            // Alone, it earns at most the fraction of the epoch it was present for, whatever its size.
            expect(stakerAmount(result, JIT) * EPOCH_LENGTH).toBeLessThanOrEqual(budget * BigInt(secondsBeforeEnd));
          } else {
            // Next to others it earns exactly its stake × seconds share: per token, seconds/L of theirs.
            const tJit = jitAmount * BigInt(secondsBeforeEnd);
            expect(stakerAmount(result, JIT)).toBe((budget * tJit) / (honestAmount * EPOCH_LENGTH + tJit));
          }
        },
      ),
      RUNS,
    );
  });

  it("a stake below the minimum earns nothing and covers nothing, alone or next to others", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 10n ** 20n }), fc.bigInt({ min: 0n, max: 10n ** 22n }), (min, honest) => {
        const tiny = { datasetId: 1n, staker: JIT, amountAtStart: min - 1n, checkpoints: [] };
        const stakes =
          honest >= min ? [tiny, { datasetId: 1n, staker: STAKER, amountAtStart: honest, checkpoints: [] }] : [tiny];
        const budget = 10n ** 24n;
        const result = computeEpochRewards(
          input({
            budget,
            params: { ...stakerOnly, minEffectiveStake: min },
            registry,
            communities,
            receipts: usage,
            stakes,
          }),
        );
        expect(stakerAmount(result, JIT)).toBe(0n);
        if (honest >= min) expect(stakerAmount(result, STAKER)).toBe(budget);
        else expect(result.carry.unstakedDatasets).toBe(budget);
      }),
      RUNS,
    );
  });

  it("stakers are paid ∝ stake × seconds, and unstaking stops accrual", () => {
    fc.assert(
      fc.property(arbEpochInput, (i) => {
        const result = computeEpochRewards(i);
        const datasets = new Map(result.datasets.map((d) => [d.datasetId, d]));
        for (const account of result.accounts) {
          for (const s of account.staker) {
            const d = datasets.get(s.datasetId)!;
            // amount = floor(paid × T_s / T): exact up to one wei.
            expect(s.amount * d.stakeTime <= d.paidToStakers * s.stakeTime).toBe(true);
            expect(d.paidToStakers * s.stakeTime < (s.amount + 1n) * d.stakeTime).toBe(true);
          }
        }
      }),
      RUNS,
    );
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: EPOCH_LENGTH - 1n }),
        fc.bigInt({ min: 1n, max: 10n ** 22n }),
        (unstakeAfter, amount) => {
          const leaver = {
            datasetId: 1n,
            staker: JIT,
            amountAtStart: amount,
            checkpoints: [{ timestamp: EPOCH_START + unstakeAfter, amount: 0n }],
          };
          const stayer = { datasetId: 1n, staker: STAKER, amountAtStart: amount, checkpoints: [] };
          const budget = 10n ** 24n;
          const result = computeEpochRewards(
            input({ budget, params: stakerOnly, registry, communities, receipts: usage, stakes: [leaver, stayer] }),
          );
          expect(stakerAmount(result, JIT)).toBe((budget * unstakeAfter) / (EPOCH_LENGTH + unstakeAfter));
          expect(stakerAmount(result, STAKER)).toBe((budget * EPOCH_LENGTH) / (EPOCH_LENGTH + unstakeAfter));
        },
      ),
      RUNS,
    );
  });
});

describe("property 7: conservation", () => {
  it("payouts plus the carry equal the budget exactly, the carry adds up by reason, rounding is a few wei", () => {
    fc.assert(
      fc.property(arbEpochInput, fc.boolean(), (generated, empty) => {
        const i = empty ? { ...generated, receipts: [] } : generated;
        const result = computeEpochRewards(i);
        const paid = result.accounts.reduce((s, a) => s + a.amount, 0n);
        expect(paid + result.unallocated).toBe(i.budget);
        for (const a of result.accounts) {
          expect(a.amount).toBeGreaterThanOrEqual(0n);
          expect(a.byRole.builder + a.byRole.operator + a.byRole.staker).toBe(a.amount);
        }
        const { total, ...reasons } = result.carry;
        expect(Object.values(reasons).reduce((s, v) => s + v, 0n)).toBe(total);
        expect(total).toBe(result.unallocated);
        for (const v of Object.values(reasons)) expect(v).toBeGreaterThanOrEqual(0n);
        // Rounding is a few wei: each floor loses less than one (models × roles, deployments, datasets, stakers).
        const floors =
          result.models.length * 8 +
          result.models.reduce((s, m) => s + m.deploymentStats.length, 0) +
          result.datasets.length * 8 +
          16;
        expect(result.carry.rounding).toBeLessThanOrEqual(BigInt(floors));
        if (result.totals.score === 0n) {
          expect(result.accounts).toEqual([]);
          expect(result.unallocated).toBe(i.budget);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe("property 8: determinism and verifiability", () => {
  it("any input order and address casing give byte-identical results and the same cumulative root", () => {
    fc.assert(
      fc.property(arbEpochInput, fc.nat(), (i, seed) => {
        const { receipts, registry, stakes, history } = arrays(i);
        const lower = (a: Address) => (seed % 2 === 0 ? (a.toLowerCase() as Address) : a);
        const communities = [...(i.communities as Map<bigint, { recognized: boolean; members: Address[] }>)];
        const shuffled: EpochRewardsInput = {
          ...i,
          receipts: shuffle(receipts, seed),
          registry: shuffle(registry, seed + 1).map((m) => ({
            ...m,
            builder: lower(m.builder),
            datasetIds: shuffle(m.datasetIds, seed + 2),
            deployments: shuffle(m.deployments, seed + 3).map((d) => ({ ...d, operator: lower(d.operator) })),
          })),
          communities: new Map(
            shuffle(communities, seed + 4).map(([c, community]) => [
              c,
              { recognized: community.recognized, members: shuffle(community.members, seed + 5).map(lower) },
            ]),
          ),
          stakes: shuffle(stakes, seed + 6).map((s) => ({
            ...s,
            staker: lower(s.staker),
            checkpoints: shuffle(s.checkpoints, seed + 7),
          })),
          history: shuffle(history, seed + 8),
        };
        const a = computeEpochRewards(i);
        const b = computeEpochRewards(shuffled);
        expect(serializeEpochRewards(b)).toBe(serializeEpochRewards(a));
        const previous = new Map<Address, bigint>([[addr(5), 42n]]);
        const treeA = buildCumulativeRewardTree({ epoch: a.epoch, payouts: a.accounts, previousCumulative: previous });
        const treeB = buildCumulativeRewardTree({
          epoch: b.epoch,
          payouts: shuffle(b.accounts, seed + 9),
          previousCumulative: new Map([[lower(addr(5)), 42n]]),
        });
        expect(treeB.root).toBe(treeA.root);
        expect(serializeCumulativeRewardTree(treeB)).toBe(serializeCumulativeRewardTree(treeA));
      }),
      RUNS,
    );
  });

  it("recomputing from the same public data gives the same bytes", () => {
    fc.assert(
      fc.property(arbEpochInput, (i) => {
        expect(serializeEpochRewards(computeEpochRewards(i))).toBe(serializeEpochRewards(computeEpochRewards(i)));
      }),
      { numRuns: 50 },
    );
  });
});
