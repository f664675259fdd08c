import { describe, expect, it } from "vitest";
import { KhoError, walkCauses } from "./errors";

class LeafError extends KhoError {
  override name = "LeafError";
  readonly code = "leaf";
}
class WrapError extends KhoError {
  override name = "WrapError";
  readonly code = "wrap";
}

describe("KhoError", () => {
  it("keeps shortMessage apart from details and appends details to message", () => {
    const plain = new LeafError("The leaf is wrong.");
    expect(plain.message).toBe("The leaf is wrong.");
    expect(plain.details).toBeUndefined();
    const detailed = new LeafError("The leaf is wrong.", { details: "index 3" });
    expect(detailed.shortMessage).toBe("The leaf is wrong.");
    expect(detailed.message).toBe("The leaf is wrong.\n\nDetails: index 3");
    expect(detailed).toBeInstanceOf(Error);
    expect(detailed.name).toBe("LeafError");
  });

  it("walks causes through foreign errors to the deepest one or the first match", () => {
    const root = new RangeError("root");
    const leaf = new LeafError("leaf", { cause: new Error("plain", { cause: root }) });
    const top = new WrapError("top", { cause: leaf });
    expect(top.walk()).toBe(root);
    expect(top.walk((e) => e instanceof LeafError)).toBe(leaf);
    expect(top.walk((e) => e instanceof TypeError)).toBeNull();
    expect(walkCauses("not an error")).toBe("not an error");
  });

  it("stops on a cause cycle", () => {
    const a = new Error("a");
    const b = new Error("b", { cause: a });
    (a as { cause?: unknown }).cause = b;
    expect(walkCauses(a, () => false)).toBeNull();
  });
});
