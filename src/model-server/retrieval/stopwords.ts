// Function words carry no topic: left in a question, "how do I" would pull every entry phrased as a
// question. Matched on the exact (accented) form only: folded, "tôi" (I) would collide with "tỏi"
// (garlic) and "là" (is) with "lá" (leaf). The unaccented Vietnamese ones are those with no such
// collision among cooking words.
const ENGLISH =
  "a about an and any are as at be best by can could do does for from get go goes good how i in is it like me " +
  "my of on or please should so some tell that the there this to way we what when where which who why with " +
  "would you your";

const VIETNAMESE =
  "à ạ ai bạn bao các cách cần cho có của để đó được gì hả không là làm mà mình một nào này nên như những nhé ơi " +
  "sao thế thì tôi và vậy với " +
  "cac cach cua duoc gi khong lam minh mot nao nay nhu nhung nhe thi va vay voi";

export const STOPWORDS: ReadonlySet<string> = new Set(`${ENGLISH} ${VIETNAMESE}`.split(" "));
