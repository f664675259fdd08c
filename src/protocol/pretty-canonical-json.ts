/**
 * JSON with object keys sorted and bigints as decimal strings, so equal results serialize to
 * equal bytes regardless of how objects were assembled. Indented with a trailing newline, for files
 * people read (epoch outputs, tree dumps); not the hashed `canonicalJson` of canonical-json.ts.
 */
export function prettyCanonicalJson(value: unknown): string {
  return `${JSON.stringify(
    value,
    (_key, v: unknown) => {
      if (typeof v === "bigint") return v.toString();
      if (v instanceof Map || v instanceof Set) throw new TypeError("prettyCanonicalJson does not encode Map or Set");
      if (v !== null && typeof v === "object" && !Array.isArray(v)) {
        const sorted: Record<string, unknown> = {};
        for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
        return sorted;
      }
      return v;
    },
    2,
  )}\n`;
}
