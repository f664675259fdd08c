import type { DatasetEntry } from "../../protocol/dataset-file";
import { contentWords, indexTerms } from "./tokenize";

/** BM25 saturation and length-normalization constants (the usual Robertson/Zaragoza defaults). */
const K1 = 1.2;
const B = 0.75;

/**
 * How much a term in each field counts. A title or tag names the topic; an answer mentions many
 * things in passing, so its words should not outvote a title (a BM25F-style field weighting).
 */
const FIELD_WEIGHTS = { title: 3, tags: 3, question: 2, answer: 1 } as const;

type IndexedDocument = {
  entry: DatasetEntry;
  termWeights: Map<string, number>;
  length: number;
  /** Folded content words of the entry's question, one set per language. */
  questionWords: Set<string>[];
};

/**
 * Entries are written as answers to a question, so a user asking (nearly) that question is the
 * strongest evidence there is: the BM25 score is multiplied by (1 + the Jaccard similarity of the
 * question's and the user's content words)². Without it, a short overview entry that mentions
 * "cá kho" three times outranks the cá kho recipe itself; with the factor not squared, a dataset
 * that grows more cá kho entries (lowering the term's weight) let the overview "Nấu cá thế nào?"
 * (similarity 2/3) tie and then pass the recipe "Nấu cá kho thế nào?" (similarity 1).
 */
function questionSimilarity(query: Set<string>, questions: readonly Set<string>[]): number {
  let best = 0;
  for (const q of questions) {
    let shared = 0;
    for (const w of query) if (q.has(w)) shared += 1;
    const union = query.size + q.size - shared;
    if (union > 0) best = Math.max(best, shared / union);
  }
  return best;
}

export type SearchHit = {
  entry: DatasetEntry;
  score: number;
  /** Share (0..1) of the query's content words, weighted by rarity, that this entry contains. */
  coverage: number;
};

export type Bm25Index = {
  /** Every entry with a positive score, best first; equal scores ordered by entry id. */
  search(query: string): SearchHit[];
  readonly size: number;
};

// Each field is a list of separately tokenized pieces, so no bigram spans two tags or two languages.
function fieldTexts(entry: DatasetEntry): Record<keyof typeof FIELD_WEIGHTS, string[]> {
  const both = (t: { vi?: string; en?: string } | undefined) => (t ? [t.vi ?? "", t.en ?? ""] : []);
  return {
    title: both(entry.title),
    tags: entry.tags,
    question: both(entry.question),
    answer: both(entry.answer),
  };
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function createBm25Index(entries: readonly DatasetEntry[]): Bm25Index {
  const documents: IndexedDocument[] = [...entries]
    .sort((a, b) => compareIds(a.id, b.id))
    .map((entry) => {
      const termWeights = new Map<string, number>();
      let length = 0;
      const texts = fieldTexts(entry);
      for (const field of Object.keys(FIELD_WEIGHTS) as (keyof typeof FIELD_WEIGHTS)[]) {
        const weight = FIELD_WEIGHTS[field];
        for (const piece of texts[field]) {
          for (const term of indexTerms(piece)) {
            termWeights.set(term, (termWeights.get(term) ?? 0) + weight);
            length += weight;
          }
        }
      }
      const questionWords = [entry.question?.vi, entry.question?.en]
        .filter((q): q is string => q !== undefined)
        .map((q) => new Set(contentWords(q).map((w) => w.folded)));
      return { entry, termWeights, length, questionWords };
    });

  const documentFrequency = new Map<string, number>();
  for (const doc of documents) {
    for (const term of doc.termWeights.keys()) documentFrequency.set(term, (documentFrequency.get(term) ?? 0) + 1);
  }
  const n = documents.length;
  const averageLength = documents.reduce((sum, d) => sum + d.length, 0) / Math.max(n, 1);
  // The "+1" form of IDF never goes negative, so a term in most entries still helps a little.
  const idf = (term: string) => {
    const df = documentFrequency.get(term) ?? 0;
    return Math.log(1 + (n - df + 0.5) / (df + 0.5));
  };

  function search(query: string): SearchHit[] {
    // Sorted unique terms: a fixed summation order keeps floating-point scores identical run to run.
    const terms = [...new Set(indexTerms(query, { query: true }))].sort(compareIds);
    const words = [...new Map(contentWords(query).map((w) => [w.folded, w])).values()].sort((a, b) =>
      compareIds(a.folded, b.folded),
    );
    const queryWords = new Set(words.map((w) => w.folded));
    const hits: SearchHit[] = [];
    for (const doc of documents) {
      let score = 0;
      for (const term of terms) {
        const tf = doc.termWeights.get(term);
        if (tf === undefined) continue;
        score += (idf(term) * tf * (K1 + 1)) / (tf + K1 * (1 - B + (B * doc.length) / averageLength));
      }
      if (score <= 0) continue;
      score *= (1 + questionSimilarity(queryWords, doc.questionWords)) ** 2;
      let matched = 0;
      let total = 0;
      for (const w of words) {
        const weight = idf(`f:${w.folded}`);
        total += weight;
        if (doc.termWeights.has(`f:${w.folded}`)) matched += weight;
      }
      hits.push({ entry: doc.entry, score, coverage: total === 0 ? 0 : matched / total });
    }
    return hits.sort((a, b) => b.score - a.score || compareIds(a.entry.id, b.entry.id));
  }

  return { search, size: n };
}
