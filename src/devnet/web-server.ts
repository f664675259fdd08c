import { existsSync } from "node:fs";
import { readFile, readdir } from "node:fs/promises";
import type { Server } from "node:http";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import express, { type Request, type Response } from "express";
import { type Address, type Hex, createPublicClient, http } from "viem";
import { serializeDeployment } from "../protocol/deployment";
import type { DevNetwork } from "./dev-network";
import { PROJECT_ROOT } from "./hardhat-runtime";
import { epochUsage } from "./web-usage";

/** The built page (`npm run build:web`), relative to the package root. */
export const WEB_DIST_DIR = path.join(PROJECT_ROOT, "dist", "web");

/** Files of an epoch that `kho rewards compute` writes and the page reads. */
const EPOCH_FILES = new Set(["tree.json", "payouts.json", "report.md"]);

export type DevAccount = { label: string; address: Address; privateKey: Hex };

export type StartWebServerParameters = {
  network: DevNetwork;
  /** Directory holding index.html and assets (default: dist/web). */
  staticDir?: string;
  /** Where `kho rewards compute` writes `<epoch>/tree.json`, `payouts.json` and `report.md`. */
  epochsDir: string;
  host?: string;
  /** 0 = any free port. */
  port?: number;
};

export type RunningWebServer = { url: string; close(): Promise<void> };

/** The well-known dev accounts the page offers when no browser wallet is installed (local dev only). */
export function devAccounts(network: DevNetwork): DevAccount[] {
  const { roles } = network;
  const pick = (label: string, a: { address: Address; privateKey: Hex }) => ({
    label,
    address: a.address,
    privateKey: a.privateKey,
  });
  return [
    pick("early staker", roles.earlyStaker),
    pick("late staker", roles.lateStaker),
    pick("local builder", roles.localBuilder),
    pick("generic builder", roles.genericBuilder),
    pick("local operator", roles.localOperator),
    pick("app developer (payer)", roles.appDeveloper),
  ];
}

/**
 * Serves the Kho page for a local network on one origin, so the browser needs no CORS:
 * the static files, `/api/config.json` (where the chain and relayer are, the dev accounts),
 * `/rpc` (JSON-RPC forwarded to the chain), `/relayer/*` (forwarded to the relayer),
 * `/api/usage/:epoch.json` (per-model usage from public batch data) and `/api/epochs/…` (the
 * reward files `kho rewards compute` wrote). Everything but the two forwards is read-only.
 */
export async function startWebServer(parameters: StartWebServerParameters): Promise<RunningWebServer> {
  const { network } = parameters;
  const staticDir = parameters.staticDir ?? WEB_DIST_DIR;
  const publicClient = createPublicClient({ transport: http(network.chain.rpcUrl) });
  const app = express();
  app.disable("x-powered-by");

  app.get("/api/config.json", (_req, res) => {
    res.json({
      deployment: serializeDeployment(network.deployment),
      rpcUrl: "/rpc",
      relayerUrl: "/relayer",
      apiKey: network.apiKeys.appDeveloper,
      devAccounts: devAccounts(network),
    });
  });

  app.post("/rpc", express.raw({ type: "*/*", limit: "1mb" }), async (req: Request, res: Response) => {
    const upstream = await fetch(network.chain.rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: req.body as Buffer,
    });
    res
      .status(upstream.status)
      .type("application/json")
      .send(Buffer.from(await upstream.arrayBuffer()));
  });

  app.use("/relayer", express.raw({ type: "*/*", limit: "1mb" }), async (req: Request, res: Response) => {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (
        typeof value === "string" &&
        (name === "authorization" || name === "content-type" || name.startsWith("x-kho-"))
      ) {
        headers[name] = value;
      }
    }
    const upstream = await fetch(`${network.relayer.url}${req.url}`, {
      method: req.method,
      headers,
      body: req.method === "GET" || req.method === "HEAD" ? undefined : (req.body as Buffer),
    });
    res.status(upstream.status);
    for (const name of ["content-type", "cache-control", "x-kho-receipt-hash", "x-kho-request-id"]) {
      const value = upstream.headers.get(name);
      if (value !== null) res.setHeader(name, value);
    }
    if (!upstream.body) {
      res.end();
      return;
    }
    // Piped, not buffered: a streamed answer (text/event-stream) reaches the page as it is written.
    const body = Readable.fromWeb(upstream.body as NodeReadableStream<Uint8Array>);
    res.on("close", () => body.destroy());
    // A page that leaves mid-answer closes the stream; there is nobody left to answer.
    await pipeline(body, res).catch(() => undefined);
  });

  app.get("/api/usage/:epoch.json", async (req: Request, res: Response) => {
    const epoch = String(req.params.epoch);
    if (!/^(0|[1-9][0-9]{0,9})$/.test(epoch)) {
      res.status(400).json({ error: { code: "bad_epoch", message: `epoch must be a whole number, got "${epoch}"` } });
      return;
    }
    const usage = await epochUsage({
      client: publicClient,
      deployment: network.deployment,
      epoch: BigInt(epoch),
      fetchBytes: async (uri) => {
        const response = await fetch(uri);
        if (!response.ok) throw new Error(`${uri} answered HTTP ${response.status}`);
        return new Uint8Array(await response.arrayBuffer());
      },
    });
    res.json(usage);
  });

  app.get("/api/epochs.json", async (_req, res) => {
    const names = existsSync(parameters.epochsDir) ? await readdir(parameters.epochsDir) : [];
    const epochs = names.filter((n) => /^(0|[1-9][0-9]*)$/.test(n)).sort((a, b) => Number(a) - Number(b));
    res.json({ epochs });
  });

  app.get("/api/epochs/:epoch/:file", async (req: Request, res: Response) => {
    const epoch = String(req.params.epoch);
    const file = String(req.params.file);
    if (!/^(0|[1-9][0-9]*)$/.test(epoch) || !EPOCH_FILES.has(file)) {
      res.status(404).json({ error: { code: "not_found", message: "no such epoch file" } });
      return;
    }
    try {
      const bytes = await readFile(path.join(parameters.epochsDir, epoch, file));
      res.type(file.endsWith(".md") ? "text/markdown" : "application/json").send(bytes);
    } catch {
      res.status(404).json({ error: { code: "not_found", message: `epoch ${epoch} has no ${file} yet` } });
    }
  });

  app.use(express.static(staticDir));
  app.use((err: unknown, _req: Request, res: Response, _next: express.NextFunction) => {
    res.status(502).json({ error: { code: "upstream", message: err instanceof Error ? err.message : String(err) } });
  });

  const host = parameters.host ?? "127.0.0.1";
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(parameters.port ?? 0, host, () => resolve(s));
    s.once("error", reject);
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
