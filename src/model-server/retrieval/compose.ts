import type { Dataset, DatasetEntry, LocalizedText, TextLanguage } from "../../protocol/dataset-file";

/** How many topics an "I don't know this well" reply names. */
export const SUGGESTED_TOPICS = 3;

function pick(text: LocalizedText, language: TextLanguage): string {
  // The schema guarantees English on every text, so the fallback always exists.
  return text[language] ?? text.en ?? text.vi ?? "";
}

export function composeAnswer(dataset: Dataset, entry: DatasetEntry, language: TextLanguage): string {
  const source = language === "vi" ? "Nguồn" : "Source";
  return `${pick(entry.title, language)}\n\n${pick(entry.answer, language)}\n\n${source}: ${dataset.id}#${entry.id}`;
}

/**
 * The honest reply when no entry covers the question: say so, say where the knowledge comes from,
 * and name the nearest topics (or, with no match at all, a few the dataset does cover).
 */
export function composeUnsure(dataset: Dataset, closest: readonly DatasetEntry[], language: TextLanguage): string {
  const anyMatch = closest.length > 0;
  const topics = (anyMatch ? closest : dataset.entries)
    .slice(0, SUGGESTED_TOPICS)
    .map((e) => pick(e.title, language))
    .join("; ");
  if (language === "vi") {
    return anyMatch
      ? `Tôi không rành về chuyện này. Hiểu biết của tôi đến từ bộ dữ liệu “${dataset.title}” (${dataset.id}); ` +
          `những chủ đề gần nhất tôi biết là: ${topics}. Bạn hỏi về một trong những chủ đề đó thì tôi trả lời cụ thể được.`
      : `Tôi không biết về chuyện này. Hiểu biết của tôi chỉ đến từ bộ dữ liệu “${dataset.title}” (${dataset.id}); ` +
          `tôi có thể kể cho bạn về, chẳng hạn: ${topics}.`;
  }
  return anyMatch
    ? `I don't know this well. My knowledge comes from the dataset "${dataset.title}" (${dataset.id}), and the ` +
        `closest topics I know are: ${topics}. Ask me about one of those and I can give you a real answer.`
    : `I don't know about this. My knowledge comes only from the dataset "${dataset.title}" (${dataset.id}); ` +
        `I can tell you about, for example: ${topics}.`;
}
