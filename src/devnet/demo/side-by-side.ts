/** Word-wraps text to a width, keeping existing line breaks. */
export function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  for (const paragraph of text.split("\n")) {
    let line = "";
    for (const word of paragraph.split(/\s+/).filter(Boolean)) {
      if (line.length > 0 && [...line].length + 1 + [...word].length > width) {
        out.push(line);
        line = word;
      } else {
        line = line.length > 0 ? `${line} ${word}` : word;
      }
    }
    out.push(line);
  }
  return out;
}

function pad(text: string, width: number): string {
  return text + " ".repeat(Math.max(0, width - [...text].length));
}

/** Two titled columns next to each other, each wrapped to `width` characters. */
export function sideBySide(left: { title: string; text: string }, right: { title: string; text: string }, width = 48) {
  const l = [left.title, "-".repeat(Math.min(width, [...left.title].length)), ...wrap(left.text, width)];
  const r = [right.title, "-".repeat(Math.min(width, [...right.title].length)), ...wrap(right.text, width)];
  const rows = Math.max(l.length, r.length);
  const lines: string[] = [];
  for (let i = 0; i < rows; i++) lines.push(`${pad(l[i] ?? "", width)}  │  ${r[i] ?? ""}`.trimEnd());
  return lines.join("\n");
}
