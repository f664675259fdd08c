import { isAddress } from "viem";
import { z } from "zod";

/** Language codes a localized text may carry. English is the registry's common language. */
export const TEXT_LANGUAGES = ["vi", "en"] as const;
export type TextLanguage = (typeof TEXT_LANGUAGES)[number];

// No trimming transform: the parsed dataset must equal the file's content so its hash is reproducible.
const text = z
  .string()
  .max(8000, "must be at most 8000 characters")
  .refine((s) => s.trim().length > 0, "must not be blank");

/** Text in one or more languages; which languages are required depends on the dataset's locale. */
export const localizedTextSchema = z
  .strictObject({ vi: text.optional(), en: text.optional() })
  .refine((t) => t.vi !== undefined || t.en !== undefined, "must have at least one language");
export type LocalizedText = z.infer<typeof localizedTextSchema>;

export const datasetEntrySchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, "must be lower-case kebab-case ASCII, e.g. ca-kho-to"),
  title: localizedTextSchema,
  tags: z
    .array(
      z
        .string()
        .max(64, "must be at most 64 characters")
        .refine((s) => s.trim().length > 0, "must not be blank"),
    )
    .min(1, "must have at least one tag"),
  question: localizedTextSchema.optional(),
  answer: localizedTextSchema,
  // Who wrote the entry: the address the contributor pool pays when answers built on it bring people back.
  // Part of the content hash, so the version committed on chain records it. No entry without one is paid.
  contributor: z
    .string()
    .refine((s) => isAddress(s, { strict: true }), "must be a 0x address (lower-case or EIP-55 checksummed)")
    .optional(),
});
export type DatasetEntry = z.infer<typeof datasetEntrySchema>;

export const datasetSchema = z
  .strictObject({
    id: z
      .string()
      .regex(
        /^[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*\/[a-z0-9]+(?:-[a-z0-9]+)*$/,
        "must look like <locale>/<name>, e.g. vi-VN/home-cooking",
      ),
    version: z.number().int("must be an integer").positive("must be positive"),
    locale: z.string().regex(/^(vi|en)(?:-[A-Z]{2})?$/, "must be a supported BCP 47 locale such as vi-VN or en-US"),
    title: text,
    license: text,
    description: text.optional(),
    entries: z.array(datasetEntrySchema).min(1, "must have at least one entry"),
  })
  .superRefine((dataset, ctx) => {
    const seen = new Set<string>();
    const required = requiredLanguages(dataset.locale);
    dataset.entries.forEach((entry, i) => {
      if (seen.has(entry.id)) {
        ctx.addIssue({ code: "custom", path: ["entries", i, "id"], message: `duplicates entry id "${entry.id}"` });
      }
      seen.add(entry.id);
      for (const field of ["title", "question", "answer"] as const) {
        const value = entry[field];
        if (value === undefined) continue;
        for (const language of required) {
          if (value[language] === undefined) {
            ctx.addIssue({
              code: "custom",
              path: ["entries", i, field, language],
              message: `is required because the dataset locale is ${dataset.locale}`,
            });
          }
        }
      }
    });
  });
export type Dataset = z.infer<typeof datasetSchema>;

/** The locale's own language, plus English so every registered dataset can be read by everyone. */
export function requiredLanguages(locale: string): TextLanguage[] {
  const primary = locale.split("-")[0] as TextLanguage;
  return primary === "en" ? ["en"] : [primary, "en"];
}
