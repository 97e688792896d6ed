import { memberSchema } from "@engunity/shared";
import { type ZodType, z } from "zod";

/** One REST route of the public contract (docs/PROTOCOL.md "REST"). */
export interface ApiRoute {
  method: "get" | "post" | "patch" | "delete";
  /** Under `/api/v1`, Express style (`/chat/:id`). */
  path: string;
  summary: string;
  /** False for the routes that need no bearer token. */
  auth?: boolean;
  body?: ZodType;
  query?: z.ZodObject;
  /** The success status and its body (none for 204). */
  status?: number;
  response?: ZodType;
}

export const ok = z.object({ ok: z.literal(true) });
export const members = z.object({ members: z.array(memberSchema) });
export const memberChange = z.object({
  member: memberSchema.optional(),
  members: z.array(memberSchema),
});
