import type { BenchTable } from "./types";

function cell(value: string | number): string {
  if (typeof value === "number") return Number.isInteger(value) ? value.toLocaleString("en-US") : String(value);
  return value.replace(/\|/g, "\\|");
}

export function markdownTable(table: BenchTable): string {
  const lines = [
    `**${table.title}**`,
    "",
    `| ${table.columns.map(cell).join(" | ")} |`,
    `| ${table.columns.map((_, i) => (i === 0 ? "---" : "---:")).join(" | ")} |`,
    ...table.rows.map((row) => `| ${row.map(cell).join(" | ")} |`),
  ];
  return lines.join("\n");
}
