import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { type Browser, type Page, chromium } from "playwright-core";
import { formatUnits, parseUnits } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DevNetwork, startDevNetwork } from "../../src/devnet/dev-network";
import type { LocalAccount } from "../../src/devnet/local-chain";
import { GENERIC_MODEL_NAME, LOCAL_MODEL_NAME } from "../../src/devnet/seed";
import { type RunningWebServer, WEB_DIST_DIR, startWebServer } from "../../src/devnet/web-server";
import { createRewardsPipeline, writeEpochOutput } from "../../src/rewards";
import { feeEscrowAbi } from "../../src/protocol/abis";
import {
  type KhoClient,
  acceptRewardRoot,
  balanceOf,
  createKhoClient,
  createRelayerClient,
  fundEpoch,
  getStake,
  mint,
  publishEpoch,
} from "../../src/sdk";
import { LOCAL_MODEL_PRICE } from "../../src/devnet/paid-usage";

const DAY = 86_400n;
const EPOCH_LENGTH = 7n * DAY;
const TIMELOCK = DAY;
const BUDGET = parseUnits("1000", 18);
const CHROMIUM = "/usr/bin/chromium";
/** The page re-reads the chain after each step; a loaded 2-core machine can take seconds. */
const POLL = { timeout: 20_000 };
const SCREENSHOTS = path.resolve(__dirname, "../../test-results");

const WEB_SOURCES = path.resolve(__dirname, "../../web");

/** True when dist/web is missing or older than any file under web/ (a stale page would test old code). */
function webBuildIsStale(): boolean {
  const built = path.join(WEB_DIST_DIR, "index.html");
  if (!existsSync(built)) return true;
  const builtAt = statSync(built).mtimeMs;
  const newer = (dir: string): boolean =>
    readdirSync(dir, { withFileTypes: true }).some((entry) => {
      const full = path.join(dir, entry.name);
      return entry.isDirectory() ? newer(full) : statSync(full).mtimeMs > builtAt;
    });
  return newer(WEB_SOURCES);
}

/**
 * The page in a real browser against a real local network: a short community epoch is played
 * (members return to the local model on several days, one-off visitors hit the generic one),
 * computed, published and accepted; then Chromium ranks, stakes and claims through the page.
 */
describe("web page in Chromium", () => {
  let network: DevNetwork;
  let web: RunningWebServer;
  let browser: Browser;
  let workDir: string;
  let clock: { now: () => bigint; set: (t: bigint) => void };
  const clientFor = (account: LocalAccount): KhoClient =>
    createKhoClient({
      rpcUrl: network.chain.rpcUrl,
      chainId: network.chain.chainId,
      addresses: network.deployment.contracts,
      account: account.privateKey,
    });

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)`);
    if (webBuildIsStale()) {
      // `npm test` builds the page first (npm run build); a lone run of this file builds it here.
      const { build } = await import("vite");
      await build({ configFile: path.resolve(__dirname, "../../web/vite.config.mts"), logLevel: "error" });
    }
    workDir = mkdtempSync(path.join(os.tmpdir(), "kho-web-"));
    let now = BigInt(Math.floor(Date.now() / 1000));
    clock = { now: () => now, set: (t) => void (now = t) };
    network = await startDevNetwork({
      epochLength: EPOCH_LENGTH,
      genesis: "next-hour",
      timelock: TIMELOCK,
      dataDir: workDir,
      clock,
      members: 4,
      relayerLogLevel: "silent",
    });
    await playShortEpoch();
    web = await startWebServer({ network, epochsDir: path.join(workDir, "epochs") });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await web?.close();
    await network?.close();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  async function moveTo(t: bigint) {
    await network.chain.setTime(t);
    clock.set(t);
  }

  /** Three members return on three days; eight visitors call the generic model once each, on one day. */
  async function playShortEpoch() {
    const { deployment, chain, roles } = network;
    const genesis = deployment.epoch.genesis;
    const members = createRelayerClient({
      baseUrl: network.relayer.url,
      domain: { chainId: chain.chainId, ledger: deployment.contracts.UsageLedger },
    });
    const app = createRelayerClient({ baseUrl: network.relayer.url, apiKey: network.apiKeys.appDeveloper });
    let nonce = 0n;
    for (let day = 0n; day < 3n; day++) {
      await moveTo(genesis + day * DAY + 9n * 3600n);
      for (const wallet of network.members.slice(0, 3)) {
        nonce += 1n;
        await members.chatCompletion({
          model: LOCAL_MODEL_NAME,
          messages: [{ role: "user", content: "Tôi nấu cá kho thế nào?" }],
          wallet: { account: wallet, nonce, deadline: clock.now() + 3600n, maxFee: LOCAL_MODEL_PRICE },
        });
      }
      if (day === 1n) {
        for (let v = 0; v < 8; v++) {
          await app.chatCompletion({
            model: GENERIC_MODEL_NAME,
            messages: [{ role: "user", content: "How do I cook fish?" }],
            user: `visitor-${v}`,
          });
        }
      }
    }
    await network.relayer.batcher.flush();
    const epochEnd = genesis + EPOCH_LENGTH;
    await moveTo(epochEnd + deployment.epoch.batchGracePeriod + 1n);
    const poster = clientFor(roles.deployer);
    const pipeline = createRewardsPipeline({ client: poster, params: {} });
    try {
      // Settled fees already fund part of epoch 0 (the protocol share); the poster funds BUDGET on top.
      await mint(poster, { to: roles.deployer.address, amount: BUDGET });
      await fundEpoch(poster, { epoch: 0n, amount: BUDGET });
      const computation = await pipeline.computeEpoch({ epoch: 0n });
      const written = await writeEpochOutput({ outDir: path.join(workDir, "epochs"), computation });
      await publishEpoch(poster, {
        tree: computation.tree,
        budget: computation.summary.budget.budget,
        previousTotal: computation.summary.budget.previousTotal,
        dataURI: pathToFileURL(written.files.tree).href,
      });
    } finally {
      await pipeline.close();
    }
    await moveTo(epochEnd + deployment.epoch.batchGracePeriod + TIMELOCK + 120n);
    await acceptRewardRoot(poster);
  }

  /** Runs a browser scenario; on failure saves desktop and phone screenshots under test-results/. */
  async function withPage(name: string, scenario: (page: Page) => Promise<void>) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on("pageerror", (e) => pageErrors.push(e.message));
    try {
      await scenario(page);
      expect(pageErrors).toEqual([]);
      if (process.env.KHO_WEB_SCREENSHOTS === "always") await screenshots(page, name);
    } catch (error) {
      await screenshots(page, name).catch(() => undefined);
      throw error;
    } finally {
      await context.close();
    }
  }

  async function screenshots(page: Page, name: string) {
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SCREENSHOTS, `web-${name}-desktop.png`), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: path.join(SCREENSHOTS, `web-${name}-phone.png`), fullPage: true });
  }

  async function pickDevAccount(page: Page, account: LocalAccount) {
    await page.getByLabel("or a dev account").selectOption(account.address);
  }

  it("ranks the local model first after the demo epoch", async () => {
    await withPage("communities", async (page) => {
      await page.goto(`${web.url}/#/communities`);
      const ranking = page.getByTestId("ranking");
      const firstRow = ranking.locator("tbody tr").first();
      await expect.poll(() => firstRow.textContent(), POLL).toContain(LOCAL_MODEL_NAME);
      await expect.poll(() => page.getByText(/showing epoch 0/).count(), POLL).toBe(1);
      // 3 returning members of 3 users for the local model; 0 of 8 for the generic one.
      const cells = (await firstRow.locator("td").allTextContents()).map((c) => c.trim());
      expect(cells[3]).toBe("3");
      expect(cells[5]).toBe("9");
      const second = (await ranking.locator("tbody tr").nth(1).locator("td").allTextContents()).map((c) => c.trim());
      expect(second[1]).toContain(GENERIC_MODEL_NAME);
      expect(second[3]).toBe("0");
      expect(second[6]).toBe("8");
    });
  });

  it("asks the local model and verifies the receipt and its batch proof in the browser", async () => {
    await withPage("try-it", async (page) => {
      await page.goto(`${web.url}/#/model/${network.seed.localModelId}`);
      await page.getByRole("button", { name: "Ask through the relayer" }).click();
      await expect
        .poll(() => page.getByTestId("receipt-verdict").textContent(), POLL)
        .toMatch(/^Verified in this browser: signed by/);
      // Commit the receipt's batch now instead of waiting for the batcher's timer.
      await network.relayer.batcher.flush();
      await page.getByRole("button", { name: "Check its batch proof" }).click();
      await expect
        .poll(() => page.getByTestId("batch-verdict").textContent(), POLL)
        .toMatch(/the ledger verified the signature and the Merkle proof against the committed root\.$/);
    });
  });

  it("stakes with a dev account", async () => {
    const staker = network.roles.lateStaker;
    const before = await getStake(clientFor(staker), { datasetId: network.seed.datasetId, staker: staker.address });
    await withPage("staking", async (page) => {
      await page.goto(`${web.url}/#/staking`);
      await pickDevAccount(page, staker);
      await page.getByLabel(`Amount of KHO for dataset ${network.seed.datasetId}`).fill("125.5");
      await page.getByRole("button", { name: "Stake", exact: true }).click();
      await expect.poll(() => page.getByRole("status").textContent(), POLL).toBe("Stake: done.");
      await expect
        .poll(() => page.getByTestId(`dataset-${network.seed.datasetId}-mine`).textContent(), POLL)
        .toBe(`${formatUnits(before.stake + parseUnits("125.5", 18), 18)} KHO`);
    });
    const after = await getStake(clientFor(staker), { datasetId: network.seed.datasetId, staker: staker.address });
    expect(after.stake - before.stake).toBe(parseUnits("125.5", 18));
  });

  it("tops up a payer's escrow and shows the new escrow balance", async () => {
    const payer = network.roles.earlyStaker;
    const reader = clientFor(payer);
    const escrow = network.deployment.contracts.FeeEscrow;
    const accountOf = () =>
      reader.public.readContract({
        address: escrow,
        abi: feeEscrowAbi,
        functionName: "accountOf",
        args: [payer.address],
      });
    const [before] = await accountOf();
    const tokensBefore = await balanceOf(reader, { account: payer.address });
    await withPage("escrow", async (page) => {
      await page.goto(`${web.url}/#/escrow`);
      await pickDevAccount(page, payer);
      await expect
        .poll(() => page.getByTestId("escrow-balance").textContent(), POLL)
        .toBe(`${formatUnits(before, 18)} KHO`);
      await page.getByLabel("Amount of KHO").fill("40");
      await page.getByRole("button", { name: "Top up" }).click();
      await expect.poll(() => page.getByRole("status").textContent(), POLL).toBe("Top-up: done.");
      await expect
        .poll(() => page.getByTestId("escrow-balance").textContent(), POLL)
        .toBe(`${formatUnits(before + parseUnits("40", 18), 18)} KHO`);
    });
    const [after] = await accountOf();
    expect(after - before).toBe(parseUnits("40", 18));
    expect(tokensBefore - (await balanceOf(reader, { account: payer.address }))).toBe(parseUnits("40", 18));
  });

  it("claims the local builder's reward and shows the new balance", async () => {
    const builder = network.roles.localBuilder;
    const reader = clientFor(builder);
    const before = await balanceOf(reader, { account: builder.address });
    await withPage("rewards", async (page) => {
      await page.goto(`${web.url}/#/rewards`);
      await pickDevAccount(page, builder);
      await expect.poll(() => page.getByTestId("root-state").textContent(), POLL).toMatch(/accepted/);
      const claimable = page.getByTestId("claimable");
      await expect.poll(() => claimable.textContent(), POLL).not.toBe("0 KHO");
      const shown = (await claimable.textContent()) ?? "";
      await page.getByRole("button", { name: /^Claim / }).click();
      await expect.poll(() => page.getByRole("status").textContent(), POLL).toBe(`Claimed ${shown}.`);
      const after = await balanceOf(reader, { account: builder.address });
      expect(after).toBeGreaterThan(before);
      await expect
        .poll(() => page.getByTestId("wallet-balance").textContent(), POLL)
        .toBe(`${formatUnits(after, 18)} KHO`);
      await expect.poll(() => claimable.textContent(), POLL).toBe("0 KHO");
      expect(`${formatUnits(after - before, 18)} KHO`).toBe(shown);
    });
  });
});
