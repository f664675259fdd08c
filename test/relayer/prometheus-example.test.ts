import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createMetrics } from "../../src/relayer/metrics";

const ROOT = path.resolve(__dirname, "..", "..");

/** Every `kho_relayer_*` name a document uses, histogram series reduced to their metric. */
function namesIn(file: string): string[] {
  const text = readFileSync(path.join(ROOT, file), "utf8");
  const names = [...text.matchAll(/kho_relayer_[a-z0-9_]+/g)].map((m) => m[0].replace(/_(bucket|sum|count)$/, ""));
  return [...new Set(names)];
}

describe("the Prometheus example and the operations guide name real metrics", () => {
  const metrics = createMetrics();
  const known = new Set(metrics.registry.getMetricsAsArray().map((m) => m.name));

  it("docs/prometheus.example.yml uses only metrics the relayer exports", () => {
    const used = namesIn("docs/prometheus.example.yml");
    expect(used.length).toBeGreaterThan(5);
    expect(used.filter((name) => !known.has(name))).toEqual([]);
  });

  it("docs/operations.md lists every metric the relayer exports", () => {
    const listed = namesIn("docs/operations.md");
    // prom-client's default process and Node metrics are documented by their prefixes.
    expect([...known].filter((name) => !listed.includes(name))).toEqual([]);
    expect(listed.filter((name) => !known.has(name) && !/^kho_relayer_(process|nodejs)_$/.test(name))).toEqual([]);
  });
});
