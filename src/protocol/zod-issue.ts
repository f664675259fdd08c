import type { z } from "zod";

/** The first problem zod found, as "<field path> <message>" ("(root)" for the value itself), for one-sentence errors. */
export function describeZodIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (issue === undefined) return "(root) is invalid";
  const where = issue.path.length > 0 ? issue.path.map(String).join(".") : "(root)";
  if (issue.code === "unrecognized_keys")
    return `${where} has unknown field ${issue.keys.map((k) => `"${k}"`).join(", ")}`;
  if (issue.code === "invalid_type" && issue.input === undefined) return `${where} is missing`;
  return `${where} ${issue.message}`;
}
