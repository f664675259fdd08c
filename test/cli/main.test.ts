import { HttpRequestError } from "viem";
import { describe, expect, it } from "vitest";
import { COMMAND_GROUPS, requestedGroup } from "../../src/cli/main";
import { CliError, formatCliError, renderCliError } from "../../src/cli/errors";
import { ConfigError } from "../../src/relayer/config";
import { formatTokenAmount, parsePositiveTokenAmount, parseTokenAmount } from "../../src/cli/units";
import { renderRecord, renderTable } from "../../src/render/output";
import { KhoNotFoundError, KhoRevertError } from "../../src/sdk";

describe("kho entry point helpers", () => {
  it("loads only the command group argv asks for, skipping global options and their values", () => {
    expect(requestedGroup(["node", "kho", "--rpc-url", "http://x", "--json", "communities", "list"])).toBe(
      "communities",
    );
    expect(requestedGroup(["node", "kho", "--private-key", "models", "datasets"])).toBe("datasets");
    expect(requestedGroup(["node", "kho", "--rpc-url=http://x", "token", "balance"])).toBe("token");
    expect(requestedGroup(["node", "kho", "help", "communities"])).toBeUndefined();
    expect(requestedGroup(["node", "kho", "--version"])).toBeUndefined();
    expect(requestedGroup(["node", "kho", "toString"])).toBeUndefined();
    expect(Object.keys(COMMAND_GROUPS)).toEqual(
      expect.arrayContaining(["communities", "datasets", "models", "token", "relayer", "model", "rewards", "dev"]),
    );
  });

  it("formats every failure as one sentence", () => {
    expect(formatCliError(new KhoRevertError("createCommunity", "SlugTaken", ["vi-VN/home-cooking", 1n]))).toBe(
      'createCommunity reverted with SlugTaken("vi-VN/home-cooking", 1)',
    );
    expect(formatCliError(new KhoNotFoundError("model", 42n))).toBe("model 42 does not exist");
    const down = new Error("request failed", {
      cause: new HttpRequestError({ url: "http://127.0.0.1:8545/", details: "fetch failed" }),
    });
    expect(formatCliError(down, { rpcUrl: "http://127.0.0.1:8545" })).toBe(
      "cannot reach the chain at http://127.0.0.1:8545",
    );
    expect(formatCliError(new CliError("line one\nline two"))).toBe("line one line two");
    expect(formatCliError("plain")).toBe("plain");
  });

  it("prints errors as JSON with the error's stable code under --json", () => {
    const notFound = new KhoNotFoundError("model", 42n);
    expect(renderCliError(notFound, { json: false })).toBe("kho: model 42 does not exist\n");
    expect(JSON.parse(renderCliError(notFound, { json: true }))).toEqual({
      error: { code: "not_found", message: "model 42 does not exist" },
    });
    const config = new ConfigError(["KHO_RPC_URL: Required"]);
    expect(JSON.parse(renderCliError(config, { json: true }))).toEqual({
      error: { code: "relayer_config_invalid", message: "invalid relayer configuration:" },
    });
    const down = new Error("request failed", {
      cause: new HttpRequestError({ url: "http://127.0.0.1:8545/", details: "fetch failed" }),
    });
    expect(JSON.parse(renderCliError(down, { json: true, rpcUrl: "http://127.0.0.1:8545" })).error.code).toBe(
      "chain_unreachable",
    );
    expect(JSON.parse(renderCliError(new TypeError("boom"), { json: true })).error).toEqual({
      code: "internal_error",
      message: "boom",
    });
  });

  it("parses token amounts strictly and prints them back in token units", () => {
    expect(parseTokenAmount("12.5")).toBe(12_500_000_000_000_000_000n);
    expect(parseTokenAmount("0.000000000000000001")).toBe(1n);
    expect(formatTokenAmount(12_500_000_000_000_000_000n)).toBe("12.5");
    for (const bad of ["-1", "abc", "1e18", "1.", ".5", "1,5", ""]) {
      expect(() => parseTokenAmount(bad), bad).toThrow(`"${bad}" is not a token amount`);
    }
    expect(() => parseTokenAmount("1.0000000000000000001")).toThrow("has more than 18 decimal places");
    expect(() => parsePositiveTokenAmount("0.0")).toThrow("greater than zero");
  });

  it("renders aligned tables and records", () => {
    expect(
      renderTable([
        { id: 1n, slug: "a" },
        { id: 10n, slug: "bb" },
      ]),
    ).toBe("id  slug\n--  ----\n1   a\n10  bb");
    expect(renderTable([])).toBe("(none)");
    expect(renderRecord({ id: 1n, "linked datasets": [1n, 2n] })).toBe("id:              1\nlinked datasets: 1, 2");
  });
});
