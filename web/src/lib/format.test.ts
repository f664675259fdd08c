import { parseUnits } from "viem";
import { describe, expect, it } from "vitest";
import { formatCountdown, formatToken, formatTokenShort, parseTokenAmount } from "./format";

describe("token amounts for people", () => {
  it("shows wei as token units with the symbol", () => {
    expect(formatToken(parseUnits("12.5", 18))).toBe("12.5 KHO");
    expect(formatToken(0n)).toBe("0 KHO");
    expect(formatTokenShort(parseUnits("505.451591661335450703", 18))).toBe("505.45 KHO");
    expect(formatTokenShort(parseUnits("0.005", 18))).toBe("0.01 KHO");
  });

  it("parses typed amounts exactly and refuses anything else in one sentence", () => {
    expect(parseTokenAmount(" 125.5 ")).toBe(parseUnits("125.5", 18));
    expect(parseTokenAmount("0.000000000000000001")).toBe(1n);
    expect(() => parseTokenAmount("1e3")).toThrow('"1e3" is not an amount of KHO; type a number such as 12.5.');
    expect(() => parseTokenAmount("-1")).toThrow(/is not an amount/);
    expect(() => parseTokenAmount("0")).toThrow("The amount must be more than 0.");
    expect(() => parseTokenAmount("1.0000000000000000001")).toThrow("KHO has at most 18 decimals.");
  });

  it("counts down in chain seconds", () => {
    expect(formatCountdown(100n, 100n)).toBe("now");
    expect(formatCountdown(100n + 86_400n + 3723n, 100n)).toBe("1 d 01 h 02 m 03 s");
    expect(formatCountdown(59n, 0n)).toBe("00 h 00 m 59 s");
  });
});
