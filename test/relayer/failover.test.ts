import http from "node:http";
import type { AddressInfo } from "node:net";
import OpenAI from "openai";
import request from "supertest";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { KhoReceiptJson } from "../../src/protocol";
import { createApiKey } from "../../src/relayer/auth/api-keys";
import { DeploymentHealth } from "../../src/relayer/services/deployment-health";
import { DeploymentSelector } from "../../src/relayer/services/deployment-selector";
import type { ModelDeployment } from "../../src/relayer/ports";
import { type DialectStub, startDialectStub } from "./helpers/dialect-stub";
import { listen } from "./helpers/listen";
import { type TestRelayer, startTestRelayer } from "./helpers/test-app";

const operatorA = "0x00000000000000000000000000000000000000c1" as const;
const operatorB = "0x00000000000000000000000000000000000000c2" as const;

async function deadEndpoint(): Promise<string> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

async function failingEndpoint(status: number): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    req.resume();
    res.writeHead(status, { "content-type": "application/json" });
    res.end('{"error":{"message":"overloaded"}}');
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe("failover between deployments", () => {
  let r: TestRelayer;
  let good: DialectStub;
  let server: { url: string; close(): Promise<void> };
  let client: OpenAI;

  beforeEach(async () => {
    r = await startTestRelayer();
    good = await startDialectStub({ name: "good", apiPath: "/v1", registeredPath: "", eol: "\n", usage: "never" });
    server = await listen(r.app);
    const key = (await createApiKey(r.store, { owner: "0x00000000000000000000000000000000000000aa", label: "t" })).key;
    client = new OpenAI({ apiKey: key, baseURL: `${server.url}/v1`, maxRetries: 0 });
  });
  afterEach(async () => {
    await server.close();
    await good.close();
    await r.close();
  });

  const messages = [{ role: "user" as const, content: "Cá kho?" }];

  async function callMany(count: number): Promise<KhoReceiptJson[]> {
    const receipts: KhoReceiptJson[] = [];
    for (let i = 0; i < count; i++) {
      if (i % 2 === 0) {
        const completion = await client.chat.completions.create({ model: "pho-vi", messages });
        receipts.push((completion as typeof completion & { kho_receipt: KhoReceiptJson }).kho_receipt);
      } else {
        let last: { kho_receipt?: KhoReceiptJson } | undefined;
        for await (const chunk of await client.chat.completions.create({ model: "pho-vi", messages, stream: true })) {
          last = chunk as typeof chunk & { kho_receipt?: KhoReceiptJson };
        }
        receipts.push(last!.kho_receipt!);
      }
    }
    return receipts;
  }

  it("serves every call from the live deployment while one refuses connections, and reports the dead one", async () => {
    r.directory.deployments[0]!.endpoint = await deadEndpoint();
    r.directory.deployments.push({ id: 12n, modelId: 1n, operator: operatorB, endpoint: good.origin, active: true });

    const receipts = await callMany(12);
    expect(receipts.map((x) => x.deploymentId)).toEqual(Array(12).fill("12"));

    const health = await request(r.app).get("/health");
    expect(health.body.checks.deployments.unhealthy).toEqual([
      expect.objectContaining({ deploymentId: "11", lastError: "upstream_connection_error" }),
    ]);
    expect(health.body.reasons).toContain("deployment(s) 11 are failing and skipped");
    const metrics = await request(r.app).get("/metrics");
    expect(metrics.text).toMatch(/kho_relayer_deployment_unhealthy\{deployment="11"\} 1/);
    expect(metrics.text).toMatch(/kho_relayer_upstream_failovers_total [1-9]/);
    // The open breaker keeps the dead deployment out of rotation: far fewer tries than calls.
    expect(Number(/kho_relayer_upstream_failovers_total (\d+)/.exec(metrics.text)![1])).toBeLessThan(6);
  });

  it("fails over a deployment answering 5xx, and closes its breaker once it serves again", async () => {
    const overloaded = await failingEndpoint(503);
    r.directory.deployments[0]!.endpoint = overloaded.url;
    r.directory.deployments.push({ id: 12n, modelId: 1n, operator: operatorB, endpoint: good.origin, active: true });
    expect((await callMany(6)).every((x) => x.deploymentId === "12")).toBe(true);
    await overloaded.close();

    // With the other deployment gone, the open breaker's deployment is still tried rather than refusing the call.
    r.directory.deployments[0]!.endpoint = good.origin;
    r.directory.deployments[1]!.active = false;
    expect((await callMany(1))[0]!.deploymentId).toBe("11");
    expect((await request(r.app).get("/health")).body.checks.deployments.unhealthy).toEqual([]);
  });

  it("does not fail over a request the upstream refuses as bad (400): any deployment would", async () => {
    const refusing = await failingEndpoint(400);
    r.directory.deployments[0]!.endpoint = refusing.url;
    r.directory.deployments.push({ id: 12n, modelId: 1n, operator: operatorB, endpoint: good.origin, active: true });
    const error = await client.chat.completions.create({ model: "pho-vi", messages }).catch((e: unknown) => e);
    // Round-robin may start on either operator; only a call that reached 11 first can fail.
    if (error instanceof OpenAI.APIError) expect(error.status).toBe(502);
    expect(good.calls.length + (error instanceof OpenAI.APIError ? 1 : 0)).toBe(1);
    await refusing.close();
  });

  it("spreads calls across operators, not deployments: adding deployments does not starve another operator", async () => {
    r.directory.deployments[0]!.endpoint = good.origin;
    for (const id of [12n, 13n, 14n]) {
      r.directory.deployments.push({ id, modelId: 1n, operator: operatorA, endpoint: good.origin, active: true });
    }
    r.directory.deployments.push({ id: 15n, modelId: 1n, operator: operatorB, endpoint: good.origin, active: true });
    const served = (await callMany(8)).map((x) => x.deploymentId);
    expect(served.filter((id) => id === "15")).toHaveLength(4);
    expect(new Set(served.filter((id) => id !== "15"))).toEqual(new Set(["11", "12", "13", "14"]));
  });
});

describe("DeploymentSelector and DeploymentHealth", () => {
  const d = (id: bigint, operator: `0x${string}`): ModelDeployment => ({ id, modelId: 1n, operator, endpoint: "" });

  it("orders by operator turn, interleaving operators for failover, open breakers last", () => {
    const selector = new DeploymentSelector();
    const all = [d(1n, operatorA), d(2n, operatorA), d(3n, operatorB)];
    expect(selector.order(1n, all).map((x) => x.id)).toEqual([1n, 3n, 2n]);
    expect(selector.order(1n, all).map((x) => x.id)).toEqual([3n, 2n, 1n]);
    expect(selector.order(1n, all).map((x) => x.id)).toEqual([2n, 3n, 1n]);
    expect(selector.order(1n, all, (x) => x.id !== 3n).map((x) => x.id)).toEqual([1n, 2n, 3n]);
    expect(selector.order(1n, [])).toEqual([]);
  });

  it("opens after consecutive failures, lets one trial through after the cooldown, closes on success", () => {
    let now = 0;
    const health = new DeploymentHealth({ failureThreshold: 2, cooldownMs: 1000, now: () => now });
    health.recordFailure(7n, "upstream_http_error");
    expect(health.isAvailable(7n)).toBe(true);
    health.recordFailure(7n, "upstream_http_error");
    expect(health.isAvailable(7n)).toBe(false);
    expect(health.unhealthy()).toEqual([
      { deploymentId: "7", consecutiveFailures: 2, lastError: "upstream_http_error", retryAt: 1000 },
    ]);
    now = 1000;
    expect(health.isAvailable(7n)).toBe(true);
    health.begin(7n);
    expect(health.isAvailable(7n)).toBe(false);
    health.recordSuccess(7n);
    expect([health.isAvailable(7n), health.unhealthy()]).toEqual([true, []]);
  });
});
