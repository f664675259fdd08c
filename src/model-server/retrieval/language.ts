import type { TextLanguage } from "../../protocol/dataset-file";
import { foldDiacritics, words } from "./normalize";

// Letters only Vietnamese uses among the two languages: hats, horns, breve, đ and the tone marks.
const VIETNAMESE_LETTER = /[ăâđêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ]/u;

// Function words, matched on the diacritic-free form for Vietnamese so unaccented typing still counts.
const VIETNAMESE_WORDS = new Set(
  (
    "toi ban nau lam the nao sao khong gi cach mon cho voi cua duoc bao nhieu minh an ngon nhu nhe a oi la co " +
    "va de hay nen gium giup"
  ).split(" "),
);
const ENGLISH_WORDS = new Set(
  (
    "how do does i you what which why when where who the a an to is are can should cook make with for my of and " +
    "in on it this that recipe please tell me about best way"
  ).split(" "),
);

/**
 * Guesses whether a question is Vietnamese or English. A Vietnamese dish name inside an English
 * sentence ("How do I cook cá kho?") must stay English, so a function word votes 2 for its
 * language while a content word that merely has Vietnamese letters votes 1 for Vietnamese. Words
 * spelled the same in both ("a", "the", "an") vote only when their diacritics say which they are.
 * Returns undefined when there is no signal either way.
 */
export function detectLanguage(text: string): TextLanguage | undefined {
  let vi = 0;
  let en = 0;
  for (const word of words(text)) {
    if (VIETNAMESE_LETTER.test(word)) {
      vi += VIETNAMESE_WORDS.has(foldDiacritics(word)) ? 2 : 1;
      continue;
    }
    const english = ENGLISH_WORDS.has(word);
    const vietnamese = VIETNAMESE_WORDS.has(word);
    if (english && !vietnamese) en += 2;
    else if (vietnamese && !english) vi += 2;
  }
  if (vi > en) return "vi";
  if (en > vi) return "en";
  return undefined;
}
