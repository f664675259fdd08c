import { describe, expect, it } from "vitest";
import { defaultEndpointPolicy, validateEndpoint } from "./endpoint-policy";
import { UpstreamBlockedError, UpstreamInvalidEndpointError } from "./errors";
import type { IpBlockReason } from "./ip-policy";
import { resolvePinned, type Resolver } from "./resolve-pinned";

// IP literals and localhost names must be judged without asking any resolver.
const forbiddenResolver: Resolver = async (hostname) => {
  throw new Error(`resolver must not be called, got ${hostname}`);
};

async function checkHost(host: string): Promise<string> {
  const endpoint = validateEndpoint(`http://${host}:8080/base`, defaultEndpointPolicy);
  const pinned = await resolvePinned({ hostname: endpoint.hostname, resolver: forbiddenResolver });
  return pinned.address;
}

const BLOCKED: ReadonlyArray<[host: string, reason: IpBlockReason]> = [
  // loopback, in every spelling
  ["127.0.0.1", "loopback"],
  ["127.1", "loopback"],
  ["127.0.1", "loopback"],
  ["2130706433", "loopback"],
  ["0x7f000001", "loopback"],
  ["017700000001", "loopback"],
  ["0177.0.0.1", "loopback"],
  ["0x7f.1", "loopback"],
  ["0x7F.0X0.0.01", "loopback"],
  ["127.000.000.001", "loopback"],
  ["127.255.255.254", "loopback"],
  ["127.0.0.1.", "loopback"],
  ["[::1]", "loopback"],
  ["[0:0:0:0:0:0:0:1]", "loopback"],
  ["[0000:0000:0000:0000:0000:0000:0000:0001]", "loopback"],
  ["[::ffff:127.0.0.1]", "loopback"],
  ["[::ffff:7f00:1]", "loopback"],
  ["[::FFFF:7F00:1]", "loopback"],
  ["[0:0:0:0:0:ffff:127.0.0.1]", "loopback"],
  ["[64:ff9b::127.0.0.1]", "loopback"],
  ["[64:ff9b::7f00:1]", "loopback"],
  ["[2002:7f00:1::]", "loopback"],
  ["[2002:7f00:0001::1]", "loopback"],
  ["localhost", "loopback"],
  ["localhost.", "loopback"],
  ["LOCALHOST", "loopback"],
  ["LocalHost.", "loopback"],
  ["api.localhost", "loopback"],
  // unspecified / "this network"
  ["0.0.0.0", "unspecified"],
  ["0", "unspecified"],
  ["0x0", "unspecified"],
  ["00", "unspecified"],
  ["0.0", "unspecified"],
  ["0.1.2.3", "unspecified"],
  ["[::]", "unspecified"],
  ["[0::0]", "unspecified"],
  ["[::ffff:0.0.0.0]", "unspecified"],
  // private
  ["10.0.0.1", "private"],
  ["10.1", "private"],
  ["012.0.0.1", "private"],
  ["0xa.0.0.1", "private"],
  ["167772161", "private"],
  ["172.16.0.1", "private"],
  ["172.31.255.255", "private"],
  ["0xac.0x10.0.1", "private"],
  ["192.168.1.1", "private"],
  ["3232235777", "private"],
  ["192.168.257", "private"],
  ["[::ffff:10.0.0.1]", "private"],
  ["[::ffff:a00:1]", "private"],
  ["[64:ff9b::a00:1]", "private"],
  ["[64:ff9b::10.0.0.1]", "private"],
  ["[2002:a00:1::]", "private"],
  ["[2002:c0a8:101::1]", "private"],
  // link-local, including the cloud metadata address
  ["169.254.169.254", "link-local"],
  ["0xa9fea9fe", "link-local"],
  ["2852039166", "link-local"],
  ["0251.0376.0251.0376", "link-local"],
  ["169.254.43518", "link-local"],
  ["[fe80::1]", "link-local"],
  ["[FE80::1]", "link-local"],
  ["[febf:ffff::1]", "link-local"],
  ["[::ffff:169.254.169.254]", "link-local"],
  ["[::ffff:a9fe:a9fe]", "link-local"],
  ["[2002:a9fe:a9fe::]", "link-local"],
  // CGNAT, IETF, documentation, benchmarking
  ["100.64.0.1", "cgnat"],
  ["100.127.255.255", "cgnat"],
  ["[::ffff:100.64.0.1]", "cgnat"],
  ["192.0.0.1", "ietf-protocol-assignments"],
  ["192.0.0.170", "ietf-protocol-assignments"],
  ["[2001:1::1]", "ietf-protocol-assignments"],
  ["192.0.2.1", "documentation"],
  ["198.51.100.7", "documentation"],
  ["203.0.113.9", "documentation"],
  ["[2001:db8::1]", "documentation"],
  ["[3fff::1]", "documentation"],
  ["198.18.0.1", "benchmarking"],
  ["198.19.255.255", "benchmarking"],
  ["[2001:2::1]", "benchmarking"],
  // multicast, reserved, broadcast
  ["224.0.0.1", "multicast"],
  ["239.255.255.250", "multicast"],
  ["[ff02::1]", "multicast"],
  ["[FF05::1:3]", "multicast"],
  ["240.0.0.1", "reserved"],
  ["0xf0000001", "reserved"],
  ["192.88.99.1", "reserved"],
  ["[4000::1]", "reserved"],
  ["[5f00::1]", "reserved"],
  ["[::ffff:0:a00:1]", "reserved"],
  ["255.255.255.255", "broadcast"],
  ["4294967295", "broadcast"],
  ["0xffffffff", "broadcast"],
  // IPv6 special ranges
  ["[fc00::1]", "unique-local"],
  ["[fd12:3456:789a::1]", "unique-local"],
  ["[fec0::1]", "site-local"],
  ["[100::1]", "discard-only"],
  ["[::127.0.0.2]", "ipv4-compatible"],
  ["[::8.8.8.8]", "ipv4-compatible"],
  ["[2001::1]", "teredo"],
  ["[2001:0:4136:e378:8000:63bf:3fff:fdd2]", "teredo"],
  ["[64:ff9b:1::a00:1]", "nat64-local"],
  ["[64:ff9b:1::808:808]", "nat64-local"],
];

const PUBLIC: ReadonlyArray<[host: string, address: string]> = [
  ["8.8.8.8", "8.8.8.8"],
  ["1.1.1.1", "1.1.1.1"],
  ["134744072", "8.8.8.8"],
  ["0x8.0x8.0x8.0x8", "8.8.8.8"],
  ["8.8.2056", "8.8.8.8"],
  ["11.0.0.1", "11.0.0.1"],
  ["100.128.0.1", "100.128.0.1"],
  ["126.255.255.255", "126.255.255.255"],
  ["128.0.0.1", "128.0.0.1"],
  ["169.253.255.255", "169.253.255.255"],
  ["172.15.255.255", "172.15.255.255"],
  ["172.32.0.1", "172.32.0.1"],
  ["192.169.0.1", "192.169.0.1"],
  ["198.20.0.1", "198.20.0.1"],
  ["223.255.255.255", "223.255.255.255"],
  ["[2606:4700:4700::1111]", "2606:4700:4700::1111"],
  ["[2001:4860:4860::8888]", "2001:4860:4860::8888"],
  ["[2001:200::1]", "2001:200::1"],
  ["[::ffff:8.8.8.8]", "::ffff:808:808"],
  ["[64:ff9b::808:808]", "64:ff9b::808:808"],
  ["[2002:808:808::1]", "2002:808:808::1"],
];

const INVALID: readonly string[] = [
  "http://08/",
  "http://1.2.3.4.5/",
  "http://256.256.256.256/",
  "http://0x100000000/",
  "http://[fe80::1%25eth0]/",
  "http://[::1:]/",
  "http://foo.0x1/",
  "http://user:pass@8.8.8.8/",
  "http://user@8.8.8.8/",
  "ftp://8.8.8.8/",
  "file:///etc/passwd",
  "gopher://8.8.8.8/",
  "http://8.8.8.8:0/",
  "http://8.8.8.8:65536/",
  "http://",
  " http://8.8.8.8/",
  "http://8.8.8.8/\n",
  "http://8.8.8.8/?next=1",
  "http://8.8.8.8/#frag",
  "http://exa mple.com/",
  "http://bad!host.example/",
  "",
];

describe("SSRF table: blocked hosts", () => {
  it.each(BLOCKED)("%s is blocked as %s", async (host, reason) => {
    const error = await checkHost(host).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(UpstreamBlockedError);
    expect((error as UpstreamBlockedError).reason).toBe(reason);
    expect((error as UpstreamBlockedError).code).toBe("upstream_blocked");
  });

  it("has at least 60 rows", () => {
    expect(BLOCKED.length).toBeGreaterThanOrEqual(60);
  });
});

describe("SSRF table: public hosts", () => {
  it.each(PUBLIC)("%s passes and pins %s", async (host, address) => {
    await expect(checkHost(host)).resolves.toBe(address);
  });
});

describe("SSRF table: malformed endpoints", () => {
  it.each(INVALID)("%j is refused as an invalid endpoint", (endpoint) => {
    expect(() => validateEndpoint(endpoint)).toThrow(UpstreamInvalidEndpointError);
  });
});
