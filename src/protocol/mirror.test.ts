import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { keccak256, toHex } from "viem";
import { describe, expect, it } from "vitest";
import {
  MirrorSpecError,
  MirrorTransferError,
  getMirrorObject,
  hasMirrorObject,
  mirrorObjectLocation,
  parseMirrorList,
  putMirrorObject,
} from "./mirror";

describe("mirror specs", () => {
  it("reads directories and HTTP bases, keeping credentials out of the label", () => {
    const [dir, web] = parseMirrorList("dir:mirror, https://kho:s%40cret@mirror.example.org/kho/", "/srv");
    expect(dir).toEqual({ kind: "dir", path: "/srv/mirror", label: "dir:/srv/mirror" });
    expect(web).toEqual({
      kind: "http",
      url: "https://mirror.example.org/kho",
      authorization: `Basic ${Buffer.from("kho:s@cret").toString("base64")}`,
      label: "https://mirror.example.org/kho",
    });
    const hash = keccak256(toHex("x"));
    expect(mirrorObjectLocation(web!, hash.toUpperCase().replace("0X", "0x") as `0x${string}`)).toBe(
      `https://mirror.example.org/kho/${hash}`,
    );
    expect(parseMirrorList(["", " "])).toEqual([]);
  });

  it("refuses what it cannot serve, in one sentence", () => {
    expect(() => parseMirrorList("ipfs://127.0.0.1:5001")).toThrow(MirrorSpecError);
    expect(() => parseMirrorList("s3://bucket/kho")).toThrow(
      /is not supported yet: only dir:<path> and http\(s\):\/\//,
    );
    expect(() => parseMirrorList("ftp://x/y")).toThrow(
      /uses ftp:; only dir:<path> and http\(s\):\/\/ are supported\.$/,
    );
    expect(() => parseMirrorList("dir:")).toThrow(/names no directory/);
    expect(() => parseMirrorList("https://m.example/kho?token=1")).toThrow(/must not have a query/);
  });

  it("stores and reads an object by hash in a directory", async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), "kho-mirror-"));
    const [mirror] = parseMirrorList(`dir:${path.join(root, "nested")}`);
    const bytes = new TextEncoder().encode('{"batch":1}');
    const hash = keccak256(bytes);
    expect(await hasMirrorObject(mirror!, hash)).toBe(false);
    await expect(getMirrorObject(mirror!, hash)).rejects.toThrow(
      new MirrorTransferError(`${mirror!.label} has no such file for ${hash}.`),
    );
    await putMirrorObject(mirror!, hash, bytes);
    expect(await hasMirrorObject(mirror!, hash)).toBe(true);
    expect(await getMirrorObject(mirror!, hash)).toEqual(bytes);
    rmSync(root, { recursive: true, force: true });
  });
});
