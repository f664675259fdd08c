/** What a command prints: a table for people, or JSON (bigints as decimal strings) for scripts. */
export type OutputMode = { json: boolean };

export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2);
}

function cell(v: unknown): string {
  if (v === undefined || v === null) return "";
  if (typeof v === "bigint") return v.toString();
  if (Array.isArray(v)) return v.map(cell).join(", ");
  return String(v);
}

/** Renders rows as an aligned text table; columns come from the first row's keys. */
export function renderTable(rows: readonly Record<string, unknown>[], columns?: readonly string[]): string {
  if (rows.length === 0) return "(none)";
  const cols = columns ?? Object.keys(rows[0]!);
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (values: string[]): string =>
    values
      .map((v, i) => v.padEnd(widths[i]!))
      .join("  ")
      .trimEnd();
  return [
    line([...cols]),
    line(widths.map((w) => "-".repeat(w))),
    ...rows.map((r) => line(cols.map((c) => cell(r[c])))),
  ].join("\n");
}

/** Renders one record as aligned `key: value` lines. */
export function renderRecord(record: Record<string, unknown>): string {
  const width = Math.max(...Object.keys(record).map((k) => k.length));
  return Object.entries(record)
    .map(([k, v]) => `${`${k}:`.padEnd(width + 1)} ${cell(v)}`.trimEnd())
    .join("\n");
}

/** Unix seconds as an ISO-8601 UTC time (what people read; JSON output keeps the seconds). */
export function formatTime(unixSeconds: bigint): string {
  return new Date(Number(unixSeconds) * 1000).toISOString().replace(".000Z", "Z");
}
