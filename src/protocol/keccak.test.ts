import { bytesToHex, keccak256 } from "viem";
import { describe, expect, it } from "vitest";
import { keccak256Bytes, keccak256Hex, keccak256Into } from "./keccak";

describe("keccak256Bytes, keccak256Hex and keccak256Into", () => {
  // Around the 136-byte rate, where padding moves to a second block.
  it.each([0, 1, 31, 32, 64, 135, 136, 137, 272, 448, 1000])("equals viem's keccak256 for %i bytes", (length) => {
    const data = Uint8Array.from({ length }, (_, i) => (i * 31 + length) & 0xff);
    const expected = keccak256(data);
    expect(bytesToHex(keccak256Bytes(data))).toBe(expected);
    expect(keccak256Hex(data)).toBe(expected);
    const out = new Uint8Array(40);
    keccak256Into(data, out, 8);
    expect(bytesToHex(out.subarray(8))).toBe(expected);
  });

  it("keccak256Hex equals viem's keccak256 for a batch-file-sized input", () => {
    const data = Uint8Array.from({ length: 225_064 }, (_, i) => (i * 7) & 0xff);
    expect(keccak256Hex(data)).toBe(keccak256(data));
  });
});
