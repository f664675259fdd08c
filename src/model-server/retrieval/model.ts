import { type Dataset, type TextLanguage, requiredLanguages } from "../../protocol/dataset-file";
import { createBm25Index } from "./bm25";
import { SUGGESTED_TOPICS, composeAnswer, composeUnsure } from "./compose";
import { detectLanguage } from "./language";

/**
 * Below this share of the question's (rarity-weighted) content words found in the best entry, the
 * match is a guess: "how do I cook sushi rice" shares "cook" and "rice" with a rice entry but is
 * about something the dataset does not know.
 */
export const DEFAULT_MIN_COVERAGE = 0.6;

export type RetrievalReply = {
  content: string;
  language: TextLanguage;
  /** The entry answered from, or null when the reply is an "I don't know this well". */
  entryId: string | null;
  score: number;
  coverage: number;
};

export type RetrievalModel = {
  readonly dataset: Dataset;
  reply(question: string): RetrievalReply;
};

export type CreateRetrievalModelParameters = { dataset: Dataset; minCoverage?: number };

export function createRetrievalModel({
  dataset,
  minCoverage = DEFAULT_MIN_COVERAGE,
}: CreateRetrievalModelParameters): RetrievalModel {
  if (!(minCoverage >= 0 && minCoverage <= 1))
    throw new RangeError(`minCoverage must be in [0, 1], got ${minCoverage}`);
  const index = createBm25Index(dataset.entries);
  const languages = requiredLanguages(dataset.locale);

  function reply(question: string): RetrievalReply {
    const wanted = detectLanguage(question) ?? languages[0]!;
    // A dataset without Vietnamese text answers a Vietnamese question in its own language rather than not at all.
    const language = languages.includes(wanted) ? wanted : languages[0]!;
    const hits = index.search(question);
    const best = hits[0];
    if (best !== undefined && best.coverage >= minCoverage) {
      return {
        content: composeAnswer(dataset, best.entry, language),
        language,
        entryId: best.entry.id,
        score: best.score,
        coverage: best.coverage,
      };
    }
    return {
      content: composeUnsure(
        dataset,
        hits.slice(0, SUGGESTED_TOPICS).map((h) => h.entry),
        language,
      ),
      language,
      entryId: null,
      score: best?.score ?? 0,
      coverage: best?.coverage ?? 0,
    };
  }

  return { dataset, reply };
}
