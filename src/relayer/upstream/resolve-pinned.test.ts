import { describe, expect, it } from "vitest";
import { createEndpointPolicy } from "./endpoint-policy";
import { UpstreamBlockedError, UpstreamConnectionError, UpstreamInvalidRequestError } from "./errors";
import { resolvePinned, type ResolvedAddress, type Resolver } from "./resolve-pinned";

const answering =
  (...addresses: string[]): Resolver =>
  async () =>
    addresses.map((address): ResolvedAddress => ({ address, family: address.includes(":") ? 6 : 4 }));

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (error: unknown) => error,
  );
}

describe("resolvePinned", () => {
  it("blocks a hostname that resolves to a private address", async () => {
    const error = await rejection(resolvePinned({ hostname: "evil.example", resolver: answering("10.0.0.5") }));
    expect(error).toBeInstanceOf(UpstreamBlockedError);
    expect(error).toMatchObject({ reason: "private", hostname: "evil.example", address: "10.0.0.5" });
  });

  it.each([
    [["8.8.8.8", "10.0.0.5"], "private"],
    [["10.0.0.5", "8.8.8.8"], "private"],
    [["2606:4700:4700::1111", "::1"], "loopback"],
    [["8.8.8.8", "::ffff:169.254.169.254"], "link-local"],
    [["1.1.1.1", "fd00::1"], "unique-local"],
  ])("blocks the whole name when any answer of %j is blocked (%s)", async (answers, reason) => {
    const error = await rejection(resolvePinned({ hostname: "mixed.example", resolver: answering(...answers) }));
    expect(error).toBeInstanceOf(UpstreamBlockedError);
    expect((error as UpstreamBlockedError).reason).toBe(reason);
  });

  it("pins the first public answer and reports all of them in canonical form", async () => {
    const pinned = await resolvePinned({
      hostname: "Models.Example.",
      resolver: answering("2606:4700:4700:0:0:0:0:1111", "1.1.1.1"),
    });
    expect(pinned).toEqual({
      address: "2606:4700:4700::1111",
      family: 6,
      addresses: ["2606:4700:4700::1111", "1.1.1.1"],
    });
  });

  it("asks the resolver exactly once, with the normalized name", async () => {
    const asked: string[] = [];
    const resolver: Resolver = async (hostname) => {
      asked.push(hostname);
      return asked.length === 1 ? [{ address: "8.8.8.8", family: 4 }] : [{ address: "127.0.0.1", family: 4 }];
    };
    const pinned = await resolvePinned({ hostname: "REBIND.example.", resolver });
    expect(pinned.address).toBe("8.8.8.8");
    expect(asked).toEqual(["rebind.example"]);
  });

  it("never resolves IP literals or localhost names", async () => {
    const resolver: Resolver = async () => {
      throw new Error("resolver called");
    };
    await expect(resolvePinned({ hostname: "[2606:4700:4700::1111]", resolver })).resolves.toMatchObject({
      address: "2606:4700:4700::1111",
    });
    const error = await rejection(resolvePinned({ hostname: "db.localhost", resolver }));
    expect(error).toMatchObject({ code: "upstream_blocked", reason: "loopback" });
  });

  it("lets loopback answers through only with allowLoopback, and allowlisted ranges only with allowedHosts", async () => {
    const resolver = answering("127.0.0.1");
    await expect(rejection(resolvePinned({ hostname: "localhost", resolver }))).resolves.toBeInstanceOf(
      UpstreamBlockedError,
    );
    const loopback = createEndpointPolicy({ allowLoopback: true });
    await expect(resolvePinned({ hostname: "localhost", resolver, policy: loopback })).resolves.toMatchObject({
      address: "127.0.0.1",
    });
    const lan = createEndpointPolicy({ allowedHosts: ["10.0.0.0/24"] });
    await expect(
      resolvePinned({ hostname: "lan.example", resolver: answering("10.0.0.5"), policy: lan }),
    ).resolves.toMatchObject({ address: "10.0.0.5" });
    await expect(
      rejection(resolvePinned({ hostname: "lan.example", resolver: answering("10.0.1.5"), policy: lan })),
    ).resolves.toBeInstanceOf(UpstreamBlockedError);
  });

  it("turns resolver failures, empty and unparseable answers into connection errors", async () => {
    const failing: Resolver = async () => {
      throw Object.assign(new Error("getaddrinfo ENOTFOUND"), { code: "ENOTFOUND" });
    };
    for (const resolver of [failing, answering(), answering("not-an-ip")]) {
      const error = await rejection(resolvePinned({ hostname: "gone.example", resolver }));
      expect(error).toBeInstanceOf(UpstreamConnectionError);
    }
  });

  it("stops waiting for the resolver when the signal aborts", async () => {
    const controller = new AbortController();
    const hanging: Resolver = () => new Promise(() => undefined);
    const pending = rejection(
      resolvePinned({ hostname: "slow.example", resolver: hanging, signal: controller.signal }),
    );
    controller.abort(new Error("budget spent"));
    await expect(pending).resolves.toMatchObject({ message: "budget spent" });
  });

  it.each(["", "bad host.example", "-bad.example", "a..b"])("refuses the hostname %j", async (hostname) => {
    await expect(rejection(resolvePinned({ hostname, resolver: answering("8.8.8.8") }))).resolves.toBeInstanceOf(
      UpstreamInvalidRequestError,
    );
  });
});
