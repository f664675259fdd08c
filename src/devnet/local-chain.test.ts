import { createPublicClient, http } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalChain, startLocalChain } from "./local-chain";

describe("startLocalChain", () => {
  let chain: LocalChain;
  beforeAll(async () => {
    chain = await startLocalChain();
  });
  afterAll(async () => {
    await chain.close();
  });

  it("serves JSON-RPC on loopback with funded, known accounts and a movable clock", async () => {
    expect(chain.rpcUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const client = createPublicClient({ transport: http(chain.rpcUrl) });
    expect(await client.getChainId()).toBe(chain.chainId);
    expect(chain.accounts[0]!.address).toBe("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
    expect(await client.getBalance({ address: chain.accounts[1]!.address })).toBeGreaterThan(0n);
    const before = await chain.latestTimestamp();
    await chain.increaseTime(86_400);
    const block = await client.getBlock();
    expect(block.timestamp).toBeGreaterThanOrEqual(before + 86_400n);
  });

  it("deploys every Kho contract through the Ignition module", async () => {
    const client = createPublicClient({ transport: http(chain.rpcUrl) });
    const deployment = chain.deployment!;
    expect(deployment.chainId).toBe(chain.chainId);
    for (const address of Object.values(deployment.contracts)) {
      expect(await client.getCode({ address })).toMatch(/^0x[0-9a-f]{10,}/);
    }
  });
});
