/** NFKC then lower-case: full-width letters, ligatures and case variants all compare equal. */
export function normalizeText(text: string): string {
  return text.normalize("NFKC").toLowerCase();
}

/**
 * Strips tone marks and vowel hats so "ca kho" typed without a Vietnamese keyboard still matches
 * "cá kho". "đ" is a separate letter, not a mark, so it is mapped to "d" by hand.
 */
export function foldDiacritics(text: string): string {
  return text
    .normalize("NFD")
    .replace(/\p{M}+/gu, "")
    .replace(/đ/g, "d")
    .replace(/Đ/g, "D")
    .normalize("NFC");
}

const WORD = /[\p{L}\p{M}\p{N}]+/gu;

/** Words (Vietnamese syllables, English words, numbers) of normalized text, in order. */
export function words(text: string): string[] {
  return normalizeText(text).match(WORD) ?? [];
}

const PIECE = /[\p{L}\p{M}\p{N}]+|[^\s\p{L}\p{M}\p{N}]/gu;

/** Usage tokens: every word and every punctuation mark counts one. */
export function countTokens(text: string): number {
  return text.normalize("NFKC").match(PIECE)?.length ?? 0;
}

/** The longest prefix of `text` holding at most `maxTokens` usage tokens. */
export function truncateToTokens(text: string, maxTokens: number): { text: string; truncated: boolean } {
  const normalized = text.normalize("NFKC");
  let count = 0;
  for (const match of normalized.matchAll(PIECE)) {
    count += 1;
    if (count === maxTokens) {
      const end = match.index + match[0].length;
      return { text: normalized.slice(0, end), truncated: end < normalized.trimEnd().length };
    }
  }
  return { text: normalized, truncated: false };
}
