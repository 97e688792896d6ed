import { errorBodySchema } from "@engunity/shared";
import { type ZodType, z } from "zod";
import { ACCOUNT_ROUTES } from "./api/account";
import { ADMIN_ROUTES } from "./api/admin";
import { AI_ROUTES } from "./api/ai";
import { DOCUMENT_ROUTES } from "./api/documents";
import { HEALTH_ROUTES } from "./api/health";
import type { ApiRoute } from "./api/route";
import { SESSION_ROUTES } from "./api/sessions";
import { WIDGET_ROUTES } from "./api/widget";

export type { ApiRoute } from "./api/route";

/**
 * The REST routes this server answers, with the zod schemas of `shared/` that validate
 * them, one table per area under `http/api/`. `GET /api/v1/openapi.json` is generated from this table, and a test checks the
 * table against the routes Express really serves, both ways.
 */
export const API_ROUTES: readonly ApiRoute[] = [
  ...HEALTH_ROUTES,
  ...ACCOUNT_ROUTES,
  ...SESSION_ROUTES,
  ...DOCUMENT_ROUTES,
  ...AI_ROUTES,
  ...WIDGET_ROUTES,
  ...ADMIN_ROUTES,
];

/** `/chat/:id/members/:userId` → `/chat/{id}/members/{userId}` */
export function openApiPath(path: string): string {
  return path.replace(/:(\w+)/g, "{$1}");
}

const jsonSchema = (schema: ZodType) =>
  z.toJSONSchema(schema, { io: "input", unrepresentable: "any", target: "draft-2020-12" });

/** The OpenAPI 3.1 document of `API_ROUTES`. */
export function openApiDocument(version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of API_ROUTES) {
    const params = [...route.path.matchAll(/:(\w+)/g)].map((m) => ({
      name: m[1],
      in: "path",
      required: true,
      schema: { type: "string" },
    }));
    const query = route.query
      ? Object.entries(route.query.shape).map(([name, schema]) => ({
          name,
          in: "query",
          required: !(schema as ZodType).safeParse(undefined).success,
          schema: jsonSchema(schema as ZodType),
        }))
      : [];
    const status = String(route.status ?? 200);
    paths[openApiPath(route.path)] ??= {};
    paths[openApiPath(route.path)]![route.method] = {
      summary: route.summary,
      ...(route.auth === false ? { security: [] } : {}),
      ...(params.length || query.length ? { parameters: [...params, ...query] } : {}),
      ...(route.body
        ? {
            requestBody: {
              required: true,
              content: { "application/json": { schema: jsonSchema(route.body) } },
            },
          }
        : {}),
      responses: {
        [status]: {
          description: status === "204" ? "No content" : "Success",
          ...(route.response
            ? { content: { "application/json": { schema: jsonSchema(route.response) } } }
            : {}),
        },
        default: {
          description: "An error in the contract's shape",
          content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
        },
      },
    };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Engunity REST API",
      version,
      description:
        "The REST half of docs/PROTOCOL.md; Socket.IO events and Yjs are documented there.",
    },
    servers: [{ url: "/api/v1" }],
    security: [{ bearer: [] }],
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT" } },
      schemas: { Error: jsonSchema(errorBodySchema) },
    },
    paths,
  };
}
