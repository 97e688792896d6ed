import { fromZod } from "@engunity/core";
import type { z } from "zod";

/** Parses input with a shared schema, or throws `validation_failed` naming the first issue. */
export function parse<S extends z.ZodType>(
  schema: S,
  input: unknown,
  what = "Request body",
): z.infer<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw fromZod(result.error, what);
  return result.data;
}
