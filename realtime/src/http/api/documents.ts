import { documentSchema } from "@engunity/shared";
import { z } from "zod";
import type { ApiRoute } from "./route";

/** Documents of a session: upload, list, download, delete. */
export const DOCUMENT_ROUTES: readonly ApiRoute[] = [
  {
    method: "post",
    path: "/chat/:id/documents",
    summary:
      "Upload a document (multipart/form-data, field `file`; editor+); 202, ingest runs in the background",
    status: 202,
    response: documentSchema,
  },
  {
    method: "get",
    path: "/chat/:id/documents",
    summary: "The session's documents, oldest first",
    response: z.object({ documents: z.array(documentSchema) }),
  },
  {
    method: "get",
    path: "/documents/:id/download",
    summary: "A document's bytes as an attachment (nosniff)",
  },
  {
    method: "delete",
    path: "/documents/:id",
    summary: "Delete a document everywhere; cancels its ingest (editor+)",
    status: 204,
  },
];
