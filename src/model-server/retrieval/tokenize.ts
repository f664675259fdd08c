import { foldDiacritics, words } from "./normalize";
import { STOPWORDS } from "./stopwords";

/** A word of a text: its normalized form, its diacritic-free form, and whether it is a function word. */
export type Word = { exact: string; folded: string; stop: boolean };

export function textWords(text: string): Word[] {
  return words(text).map((exact) => ({ exact, folded: foldDiacritics(exact), stop: STOPWORDS.has(exact) }));
}

/** The words of a question that carry its topic, in order. */
export function contentWords(text: string): Word[] {
  return textWords(text).filter((w) => !w.stop);
}

/**
 * Index terms of a text. Vietnamese writes one syllable per space-separated word, so a dish name
 * like "cá kho" is two words; adjacent-pair bigrams let the pair outrank texts that merely contain
 * "cá" and "kho" apart. Every term is indexed both exact and diacritic-free: an exact match scores
 * on both, an unaccented question still scores on the folded ones. Prefixes keep the four kinds apart.
 *
 * Documents keep every word (so a folded question word always finds its accented original); a
 * question (`query: true`) drops function words and the bigrams that would touch them.
 */
export function indexTerms(text: string, { query = false }: { query?: boolean } = {}): string[] {
  const ws = textWords(text);
  const terms: string[] = [];
  ws.forEach((w, i) => {
    if (query && w.stop) return;
    terms.push(`w:${w.exact}`, `f:${w.folded}`);
    const next = ws[i + 1];
    if (next !== undefined && !(query && next.stop)) {
      terms.push(`b:${w.exact}_${next.exact}`, `g:${w.folded}_${next.folded}`);
    }
  });
  return terms;
}
