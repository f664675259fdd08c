import { z } from "zod";

const choiceSchema = z.looseObject({
  index: z.number().int().nonnegative().optional(),
  message: z.looseObject({
    role: z.literal("assistant").optional(),
    content: z.string().nullable().optional(),
  }),
  finish_reason: z.string().nullable().optional(),
});

// The relayer hashes and returns the first choice's message, so that one must carry content: text,
// or null when the answer is tool calls or a refusal.
const firstChoiceSchema = choiceSchema.extend({
  message: z.looseObject({ role: z.literal("assistant").optional(), content: z.string().nullable() }),
});

const tokenCount = z.number().int().nonnegative();

/**
 * An OpenAI `chat.completion` object as upstreams return it. Only what the relayer relies on is
 * required (at least one choice, `choices[0].message.content` a string or null); unknown fields are kept so
 * the relayer can pass the answer through unchanged.
 */
export const chatCompletionSchema = z.looseObject({
  id: z.string().optional(),
  object: z.literal("chat.completion").optional(),
  created: z.number().optional(),
  model: z.string().optional(),
  choices: z.tuple([firstChoiceSchema], choiceSchema),
  usage: z
    .looseObject({ prompt_tokens: tokenCount, completion_tokens: tokenCount, total_tokens: tokenCount })
    .optional(),
});

export type ChatCompletion = z.infer<typeof chatCompletionSchema>;
