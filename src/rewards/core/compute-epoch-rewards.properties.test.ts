import fc from "fast-check";
import type { Address } from "viem";
import { describe, expect, it } from "vitest";
import { type InferenceReceipt, UserKind, addressUserId } from "../../protocol/receipt";
import {
  DUST,
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
} from "./__fixtures__/epoch";
import { computeEpochRewards } from "./compute-epoch-rewards";
import { buildCumulativeRewardTree, serializeCumulativeRewardTree } from "../../protocol/cumulative-tree";
import { BPS, SCORE_SCALE } from "./fixed-point";
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
      members: new Map([[1n, Array.from({ length: 40 }, (_, i) => U(i + 1))]]),
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
  it("adding deployments without more usage never raises a model's builder payout, and fresh ones change nothing", () => {
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
          const payout = (r: EpochRewardsResult) =>
            r.models.find((m) => m.modelId === target.modelId)?.builderPayout ?? 0n;
          expect(payout(after)).toBeLessThanOrEqual(payout(before));
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
          const base = { members: new Map([[1n, Array.from({ length: 40 }, (_, i) => U(i + 1))]]) };
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
          expect(modelStats(rN, 1n).score).toBe(modelStats(r1, 1n).score);
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

describe("property 2: volume saturation", () => {
  it("many calls on one day score at most (1 + α) times one call", () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 5000 }), fc.nat({ max: 10_000 }), (n, alpha) => {
        const params = { dustRecipient: DUST, saturationBonusBps: alpha };
        const result = twoModels(
          calls(n, { model: 1n, deployment: 11n, user: U(1) }),
          [receipt({ model: 2n, deployment: 21n, user: U(2) })],
          { params },
        );
        const burst = modelStats(result, 1n).score;
        const single = modelStats(result, 2n).score;
        expect(burst * BPS).toBeLessThanOrEqual(single * (BPS + BigInt(alpha)));
        expect(burst).toBeGreaterThanOrEqual(single);
      }),
      HEAVY_RUNS,
    );
  });

  it("the same user on k separate days beats any number of calls on one day; 10 days ≫ 1000 calls", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 7 }),
        fc.integer({ min: 1, max: 3000 }),
        fc.nat({ max: 10_000 }),
        (k, n, alpha) => {
          const params = { dustRecipient: DUST, saturationBonusBps: alpha };
          const spread = Array.from({ length: k }, (_, day) =>
            receipt({ model: 1n, deployment: 11n, user: U(1), day }),
          );
          const burst = calls(Math.max(n, k), { model: 2n, deployment: 21n, user: U(2) });
          const result = twoModels(spread, burst, { params });
          expect(modelStats(result, 1n).builderPayout).toBeGreaterThan(modelStats(result, 2n).builderPayout);
        },
      ),
      HEAVY_RUNS,
    );
    // The design brief's example, with 1-hour "days" so ten fit in the 7-day epoch.
    const params = { dustRecipient: DUST, dayLengthSeconds: 3600 };
    const tenDays = Array.from({ length: 10 }, (_, h) =>
      receipt({ model: 1n, deployment: 11n, user: U(1), second: h * 3600 }),
    );
    const result = twoModels(tenDays, calls(1000, { model: 2n, deployment: 21n, user: U(2) }), { params });
    expect(modelStats(result, 1n).score * 2n).toBeGreaterThan(modelStats(result, 2n).score * 5n);
  });
});

describe("property 3: retention", () => {
  it("returning across days outweighs the same calls in one day, and earlier epochs add weight up to the cap", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 7 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 2_000 }),
        fc.integer({ min: 1, max: 6 }),
        (days, epochs, bonus, maxEpochs) => {
          const params = {
            dustRecipient: DUST,
            retentionBonusBps: bonus,
            retentionMaxEpochs: maxEpochs,
            identityCapBps: 1_000_000,
          };
          const returning = Array.from({ length: days }, (_, day) =>
            receipt({ model: 1n, deployment: 11n, user: U(1), day }),
          );
          const oneOff = calls(days, { model: 2n, deployment: 21n, user: U(2) });
          const withinEpoch = twoModels(returning, oneOff, { params });
          expect(modelStats(withinEpoch, 1n).score).toBeGreaterThan(modelStats(withinEpoch, 2n).score);
          expect(modelStats(withinEpoch, 1n).returningUsers).toBe(1);
          expect(modelStats(withinEpoch, 2n).returningUsers).toBe(0);

          // Same single call; U(1) was active in `epochs` earlier epochs, U(2) never.
          const history = [
            { modelId: 1n, userId: addressUserId(U(1)), userKind: UserKind.Wallet, epochsActive: epochs },
          ];
          const across = twoModels(
            [receipt({ model: 1n, deployment: 11n, user: U(1) })],
            [receipt({ model: 2n, deployment: 21n, user: U(2) })],
            {
              params,
              history,
            },
          );
          const expected = (SCORE_SCALE * (BPS + BigInt(bonus * Math.min(epochs, maxEpochs)))) / BPS;
          expect(modelStats(across, 1n).score).toBe(expected);
          expect(modelStats(across, 1n).score).toBeGreaterThan(modelStats(across, 2n).score);
          expect(modelStats(across, 1n).returningUsers).toBe(1);
        },
      ),
      RUNS,
    );
  });
});

describe("property 4: breadth", () => {
  it("10 distinct returning users outweigh 1 user with the same total activity", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 7 }),
        fc.integer({ min: 1, max: 20 }),
        fc.nat({ max: 10_000 }),
        (days, perDay, alpha) => {
          const params = { dustRecipient: DUST, saturationBonusBps: alpha };
          const many: InferenceReceipt[] = [];
          for (let u = 1; u <= 10; u++) {
            for (let day = 0; day < days; day++)
              many.push(...calls(perDay, { model: 1n, deployment: 11n, user: U(u), day }));
          }
          const one: InferenceReceipt[] = [];
          for (let day = 0; day < days; day++)
            one.push(...calls(10 * perDay, { model: 2n, deployment: 21n, user: U(20), day }));
          const result = twoModels(many, one, { params });
          expect(modelStats(result, 1n).calls).toBe(modelStats(result, 2n).calls);
          expect(modelStats(result, 1n).builderPayout).toBeGreaterThan(5n * modelStats(result, 2n).builderPayout);
        },
      ),
      HEAVY_RUNS,
    );
  });
});

describe("property 5: bounded identities", () => {
  it("no identity adds more than the cap to a model", () => {
    fc.assert(
      fc.property(arbEpochInput, (i) => {
        const result = computeEpochRewards(i);
        const cap = (BigInt(result.params.identityCapBps) * SCORE_SCALE) / BPS;
        for (const m of result.models) expect(m.score).toBeLessThanOrEqual(BigInt(m.distinctUsers) * cap);
      }),
      RUNS,
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40_000 }), fc.integer({ min: 1, max: 200 }), (capBps, perDay) => {
        const heavy: InferenceReceipt[] = [];
        for (let day = 0; day < 7; day++) heavy.push(...calls(perDay, { model: 1n, deployment: 11n, user: U(1), day }));
        const params = { dustRecipient: DUST, identityCapBps: capBps };
        const history = [{ modelId: 1n, userId: addressUserId(U(1)), userKind: UserKind.Wallet, epochsActive: 5 }];
        const result = twoModels(heavy, [receipt({ model: 2n, deployment: 21n, user: U(2) })], { params, history });
        expect(modelStats(result, 1n).score).toBeLessThanOrEqual((BigInt(capBps) * SCORE_SCALE) / BPS);
      }),
      RUNS,
    );
  });

  it("non-members and pseudonyms count at the reduced weight", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 7 }),
        fc.integer({ min: 1, max: 30 }),
        fc.nat({ max: 10_000 }),
        (days, perDay, weight) => {
          const activity = (user: Address | { salted: number }, m: bigint, d: bigint) =>
            Array.from({ length: days }, (_, day) => calls(perDay, { model: m, deployment: d, user, day })).flat();
          const params = { dustRecipient: DUST, nonMemberWeightBps: weight };
          const memberVsOutsider = twoModels(activity(U(1), 1n, 11n), activity(addr(600), 2n, 21n), { params });
          const memberVsPseudonym = twoModels(activity(U(1), 1n, 11n), activity({ salted: 3 }, 2n, 21n), { params });
          const member = modelStats(memberVsOutsider, 1n).score;
          expect(modelStats(memberVsOutsider, 2n).score).toBe((member * BigInt(weight)) / BPS);
          expect(modelStats(memberVsPseudonym, 2n).score).toBe((member * BigInt(weight)) / BPS);
        },
      ),
      RUNS,
    );
  });

  it("a builder's or operator's own usage of their model changes no payout", () => {
    fc.assert(
      fc.property(
        arbEpochInput,
        fc.array(
          fc.record({
            pick: fc.nat(),
            who: fc.nat(),
            second: fc.nat({ max: Number(EPOCH_LENGTH) - 1 }),
            kind: fc.constantFrom(1, 2),
          }),
          {
            minLength: 1,
            maxLength: 20,
          },
        ),
        (base, selfCalls) => {
          const { registry, receipts } = arrays(base);
          const extra = selfCalls.map((c, n): InferenceReceipt => {
            const m = registry[c.pick % registry.length]!;
            const own = [m.builder, ...m.deployments.map((d) => d.operator)];
            const d = m.deployments[c.pick % m.deployments.length]!;
            return {
              ...receipt({
                model: m.modelId,
                deployment: d.deploymentId,
                user: own[c.who % own.length]!,
                second: c.second,
                kind: c.kind as 1 | 2,
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
          const selfCallsCounted =
            after.models.reduce((s, m) => s + m.selfCalls, 0) - before.models.reduce((s, m) => s + m.selfCalls, 0);
          expect(selfCallsCounted).toBe(extra.length);
        },
      ),
      RUNS,
    );
  });
});

describe("property 6: stake over time", () => {
  const STAKER = addr(801);
  const JIT = addr(802);
  const stakerOnly = { dustRecipient: DUST, builderShareBps: 0, operatorShareBps: 0, stakerShareBps: 10_000 };
  const usage = [receipt({ model: 1n, deployment: 11n, user: U(1) })];
  const registry = [model(1n, BUILDER_A, [[11n, OPERATOR]], [1n])];
  const members = new Map([[1n, [U(1)]]]);
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
            input({ budget, params: stakerOnly, registry, members, receipts: usage, stakes }),
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
            input({ budget, params: stakerOnly, registry, members, receipts: usage, stakes: [leaver, stayer] }),
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
  it("payouts plus unallocated equal the budget exactly; an empty epoch pays nothing and carries everything", () => {
    fc.assert(
      fc.property(arbEpochInput, fc.boolean(), (generated, empty) => {
        const i = empty ? { ...generated, receipts: [] } : generated;
        const result = computeEpochRewards(i);
        const paid = result.accounts.reduce((s, a) => s + a.amount, 0n);
        expect(paid + result.unallocated).toBe(i.budget);
        for (const a of result.accounts) {
          expect(a.amount).toBeGreaterThanOrEqual(0n);
          expect(a.byRole.builder + a.byRole.operator + a.byRole.staker + a.byRole.dust).toBe(a.amount);
        }
        if (result.totals.score > 0n) {
          expect(result.unallocated).toBe(0n);
          const dust = result.accounts.find((a) => a.account === DUST)?.byRole.dust ?? 0n;
          expect(dust).toBe(result.dust.total);
        } else {
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
        const members = [...(i.members as Map<bigint, Address[]>)];
        const shuffled: EpochRewardsInput = {
          ...i,
          receipts: shuffle(receipts, seed),
          registry: shuffle(registry, seed + 1).map((m) => ({
            ...m,
            builder: lower(m.builder),
            datasetIds: shuffle(m.datasetIds, seed + 2),
            deployments: shuffle(m.deployments, seed + 3).map((d) => ({ ...d, operator: lower(d.operator) })),
          })),
          members: new Map(shuffle(members, seed + 4).map(([c, list]) => [c, shuffle(list, seed + 5).map(lower)])),
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
