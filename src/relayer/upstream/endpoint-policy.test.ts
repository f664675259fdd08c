import { describe, expect, it } from "vitest";
import { DEFAULT_BLOCKED_PORTS, createEndpointPolicy, validateEndpoint } from "./endpoint-policy";
import { UpstreamBlockedError, UpstreamInvalidEndpointError } from "./errors";

describe("validateEndpoint", () => {
  it.each([
    ["http://models.example:8080", "http://models.example:8080/v1/chat/completions"],
    ["http://models.example:8080/", "http://models.example:8080/v1/chat/completions"],
    ["https://models.example/some/prefix", "https://models.example/some/prefix/v1/chat/completions"],
    ["https://models.example/some/prefix//", "https://models.example/some/prefix/v1/chat/completions"],
    ["HTTPS://Models.Example.:443/x", "https://models.example./x/v1/chat/completions"],
    // One normalization: a base URL that already ends in /v1 (as OpenAI clients write it) is not doubled.
    ["http://models.example:11434/v1", "http://models.example:11434/v1/chat/completions"],
    ["http://models.example:11434/v1/", "http://models.example:11434/v1/chat/completions"],
    ["https://openrouter.example/api/v1", "https://openrouter.example/api/v1/chat/completions"],
    ["https://models.example/v1x", "https://models.example/v1x/v1/chat/completions"],
  ])("%s posts to %s", (endpoint, target) => {
    expect(validateEndpoint(endpoint).chatCompletionsUrl.href).toBe(target);
  });

  it("normalizes the host and fills in the default port", () => {
    const endpoint = validateEndpoint("HTTPS://Models.Example./v1x");
    expect(endpoint).toMatchObject({ protocol: "https:", hostname: "models.example", port: 443, ip: undefined });
    expect(validateEndpoint("http://[2606:4700:4700::1111]:81").ip?.address).toBe("2606:4700:4700::1111");
  });

  it("blocks loopback by default, even as a literal with a port", () => {
    expect(() => validateEndpoint("http://127.0.0.1:3000")).toThrow(UpstreamBlockedError);
    expect(() => validateEndpoint("http://localhost:3000")).toThrow(UpstreamBlockedError);
  });

  it("allows loopback only when allowLoopback is set, and nothing else with it", () => {
    const policy = createEndpointPolicy({ allowLoopback: true });
    expect(validateEndpoint("http://127.0.0.1:3000", policy).ip?.address).toBe("127.0.0.1");
    expect(validateEndpoint("http://[::ffff:127.0.0.1]:3000", policy).ip?.address).toBe("::ffff:7f00:1");
    expect(validateEndpoint("http://localhost:3000", policy).hostname).toBe("localhost");
    expect(() => validateEndpoint("http://10.0.0.1", policy)).toThrow(UpstreamBlockedError);
    expect(() => validateEndpoint("http://169.254.169.254", policy)).toThrow(UpstreamBlockedError);
    expect(() => validateEndpoint("http://[::]:3000", policy)).toThrow(UpstreamBlockedError);
  });

  it("allows exactly the allowlisted addresses and ranges", () => {
    const policy = createEndpointPolicy({ allowedHosts: ["10.1.2.3", "192.168.50.0/24", "fd00:1::/32"] });
    expect(validateEndpoint("http://10.1.2.3", policy).ip?.address).toBe("10.1.2.3");
    expect(validateEndpoint("http://0xa.1.2.3", policy).ip?.address).toBe("10.1.2.3");
    expect(validateEndpoint("http://192.168.50.200", policy).ip?.address).toBe("192.168.50.200");
    expect(validateEndpoint("http://[fd00:1::5]", policy).ip?.address).toBe("fd00:1::5");
    expect(() => validateEndpoint("http://10.1.2.4", policy)).toThrow(UpstreamBlockedError);
    expect(() => validateEndpoint("http://192.168.51.1", policy)).toThrow(UpstreamBlockedError);
    expect(() => validateEndpoint("http://127.0.0.1", policy)).toThrow(UpstreamBlockedError);
  });
});

describe("createEndpointPolicy", () => {
  it("is strict by default", () => {
    expect(createEndpointPolicy()).toEqual({
      allowLoopback: false,
      allowedRanges: [],
      blockedPorts: new Set(DEFAULT_BLOCKED_PORTS),
    });
  });

  it.each([22, 25, 6379, 11211, 5432, 27017])("refuses port %i on a public host by default", (port) => {
    expect(() => validateEndpoint(`http://93.184.216.34:${port}`)).toThrow(UpstreamInvalidEndpointError);
    expect(() => validateEndpoint(`https://models.example:${port}/v1`)).toThrow(`port ${port} belongs to a non-HTTP`);
  });

  it("allows the usual HTTP ports and a configured list replaces the default", () => {
    for (const port of [80, 443, 8000, 8080, 8443]) {
      expect(validateEndpoint(`http://models.example:${port}`).port).toBe(port);
    }
    const policy = createEndpointPolicy({ blockedPorts: [8080] });
    expect(validateEndpoint("http://models.example:6379", policy).port).toBe(6379);
    expect(() => validateEndpoint("http://models.example:8080", policy)).toThrow(UpstreamInvalidEndpointError);
  });

  it.each([
    [{ allowedHosts: ["models.example"] }, "is not an IP address or CIDR"],
    [{ allowedHosts: ["10.0.0.5/8"] }, "is not an IP address or CIDR"],
    [{ allowedHosts: ["0.0.0.0/0"] }, "is wider than /8"],
    [{ allowedHosts: ["::/0"] }, "is wider than /16"],
    [{ allowedHosts: "10.0.0.1" as unknown as string[] }, "allowedHosts must be an array"],
    [{ allowLoopback: "yes" as unknown as boolean }, "allowLoopback must be a boolean"],
    [{ blockedPorts: [0] }, "is not a port between 1 and 65535"],
  ])("refuses %j", (config, message) => {
    expect(() => createEndpointPolicy(config)).toThrow(message);
  });
});
