import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mint } from "../../src/sdk";
import { type KhoDevnet, startKhoDevnet, tokens } from "../sdk/helpers/kho-devnet";
import { type KhoRun, assertBuilt, cliWorkdir, errorLine, khoAs } from "./helpers/run-kho";

const OWNER = 0;
const PAYER = 2;

describe("kho escrow (built binary against a local chain)", () => {
  let devnet: KhoDevnet;
  let kho: (args: string[], signer?: number) => Promise<KhoRun>;
  let payer: string;

  beforeAll(async () => {
    assertBuilt();
    devnet = await startKhoDevnet();
    kho = khoAs(devnet, await cliWorkdir(devnet));
    payer = devnet.accounts[PAYER]!.address;
    await mint(devnet.client(OWNER), { to: payer, amount: tokens("100") });
  });
  afterAll(async () => {
    await devnet?.close();
  });

  it("deposits, shows the balance in token units, thaws and refuses an early withdrawal", async () => {
    const deposited = await kho(["escrow", "deposit", "12.5", "--json"], PAYER);
    expect(deposited.code).toBe(0);
    expect(JSON.parse(deposited.stdout)).toMatchObject({ payer, deposited: "12.5" });

    const thaw = await kho(["escrow", "thaw", "2.5"], PAYER);
    expect(thaw.code).toBe(0);
    expect(thaw.stdout).toMatch(/^2\.5 KHO thawing; withdraw it from \d{4}-\d\d-\d\dT/);

    const balance = await kho(["escrow", "balance", payer, "--json"]);
    expect(JSON.parse(balance.stdout)).toMatchObject({ payer, balance: "12.5", available: "10", thawing: "2.5" });

    const tooMuch = await kho(["escrow", "thaw", "11"], PAYER);
    expect(tooMuch.code).not.toBe(0);
    expect(errorLine(tooMuch)).toContain("cannot thaw 11 KHO: only 10 KHO is available");

    const early = await kho(["escrow", "withdraw"], PAYER);
    expect(early.code).not.toBe(0);
    expect(errorLine(early)).toContain("nothing to withdraw yet: your thawing funds unlock at");

    expect((await kho(["escrow", "cancel-thaw"], PAYER)).code).toBe(0);
    const none = await kho(["escrow", "withdraw"], PAYER);
    expect(errorLine(none)).toContain("nothing to withdraw: start a thaw");
  });
});
