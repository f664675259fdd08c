import { describe, expect, it } from "vitest";
import { type ModelRow, rankModels, returningShare } from "./ranking";

function row(modelId: bigint, over: Partial<ModelRow>): ModelRow {
  return {
    modelId,
    name: `m${modelId}`,
    locale: "vi-VN",
    communityId: 1n,
    community: "vi-VN/home-cooking",
    deployments: 1,
    calls: 0,
    distinctUsers: 0,
    returningUsers: 0,
    returningMembers: 0,
    fees: 0n,
    lastPayout: null,
    daily: [],
    ...over,
  };
}

describe("rankModels", () => {
  it("puts returning members before returning users, calls and deployments", () => {
    const generic = row(1n, { calls: 500, distinctUsers: 400, returningUsers: 5, deployments: 5 });
    const local = row(2n, { calls: 30, distinctUsers: 6, returningUsers: 5, returningMembers: 5 });
    const quiet = row(3n, { calls: 2, distinctUsers: 1, returningUsers: 1, returningMembers: 1 });
    expect(rankModels([generic, quiet, local]).map((r) => r.modelId)).toEqual([2n, 3n, 1n]);
  });

  it("breaks ties by returning users, then calls, then model id", () => {
    const a = row(4n, { returningUsers: 2, calls: 10 });
    const b = row(3n, { returningUsers: 2, calls: 10 });
    const c = row(2n, { returningUsers: 2, calls: 11 });
    const d = row(1n, { returningUsers: 1, calls: 99 });
    expect(rankModels([a, b, c, d]).map((r) => r.modelId)).toEqual([2n, 3n, 4n, 1n]);
  });

  it("shows the returning share as a whole percentage", () => {
    expect(returningShare({ distinctUsers: 0, returningUsers: 0 })).toBe(0);
    expect(returningShare({ distinctUsers: 3, returningUsers: 3 })).toBe(100);
    expect(returningShare({ distinctUsers: 3, returningUsers: 1 })).toBe(33);
  });
});
