/**
 * The week the demo plays, fixed so its output is the same on every run. Community members keep
 * coming back to the local model on several days; a burst of one-off visitors (more calls in
 * total) hits the generic model on a single day; the generic model's builder also calls it to
 * inflate usage, which counts zero. From GROWTH_DAY on, the dataset's new version carries a member's
 * entry, and each member visit starts with the question it answers.
 */
export type DemoCall =
  | { day: number; model: "local"; caller: { kind: "member"; index: number }; question: string }
  | { day: number; model: "generic"; caller: { kind: "visitor"; name: string }; question: string }
  | { day: number; model: "generic"; caller: { kind: "builder" }; question: string };

/** Days (0–6) on which each community member returns, and calls per visit. */
export const MEMBER_VISITS: readonly { days: readonly number[]; callsPerDay: number }[] = [
  { days: [0, 1, 2, 3, 4, 5, 6], callsPerDay: 2 },
  { days: [0, 1, 2, 4, 5], callsPerDay: 1 },
  { days: [1, 3, 5, 6], callsPerDay: 2 },
  { days: [0, 2, 4], callsPerDay: 1 },
  { days: [2, 5], callsPerDay: 1 },
  { days: [3], callsPerDay: 1 },
];

/** The day (0–6) before whose calls the dataset's version with the contributed entry is published and served. */
export const GROWTH_DAY = 3;
/** Answered from the contributed entry (growth.ts) once its version is served. */
export const CONTRIBUTED_ENTRY_QUESTION = "Cá kho tộ kiểu miền Tây nấu sao?";

export const VISITOR_BURST = { day: 1, visitors: 24, callsPerVisitor: 3 } as const;
export const BUILDER_SELF_CALLS = { day: 4, calls: 20 } as const;

const LOCAL_QUESTIONS = [
  "Tôi nấu cá kho thế nào?",
  "Pha nước mắm chấm tỉ lệ thế nào?",
  "Làm nước màu sao cho không bị đắng?",
  "Canh chua cá lóc nấu ra sao?",
  "Thịt kho trứng cho ngày Tết làm thế nào?",
  "Rau muống xào tỏi sao cho xanh giòn?",
  "Nấu nước dùng phở bò thế nào?",
];

const GENERIC_QUESTIONS = [
  "How do I cook cá kho?",
  "How do I cook fish?",
  "How long do I roast a chicken?",
  "How do I make a quick tomato sauce?",
];

export function demoWeek(): DemoCall[] {
  const calls: DemoCall[] = [];
  for (let day = 0; day < 7; day++) {
    MEMBER_VISITS.forEach((visit, index) => {
      if (!visit.days.includes(day)) return;
      for (let c = 0; c < visit.callsPerDay; c++) {
        const question =
          day >= GROWTH_DAY && c === 0
            ? CONTRIBUTED_ENTRY_QUESTION
            : LOCAL_QUESTIONS[(day + index + c) % LOCAL_QUESTIONS.length]!;
        calls.push({ day, model: "local", caller: { kind: "member", index }, question });
      }
    });
    if (day === VISITOR_BURST.day) {
      for (let v = 0; v < VISITOR_BURST.visitors; v++) {
        for (let c = 0; c < VISITOR_BURST.callsPerVisitor; c++) {
          const question = GENERIC_QUESTIONS[(v + c) % GENERIC_QUESTIONS.length]!;
          calls.push({ day, model: "generic", caller: { kind: "visitor", name: `visitor-${v}` }, question });
        }
      }
    }
    if (day === BUILDER_SELF_CALLS.day) {
      for (let c = 0; c < BUILDER_SELF_CALLS.calls; c++) {
        calls.push({ day, model: "generic", caller: { kind: "builder" }, question: GENERIC_QUESTIONS[c % 4]! });
      }
    }
  }
  return calls;
}
