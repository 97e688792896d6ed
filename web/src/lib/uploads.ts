import type { Document, ServerToClientEvents } from "@engunity/shared";
import { createEffect, onCleanup } from "solid-js";
import { createStore } from "solid-js/store";
import { accessToken } from "./auth";
import { currentSocket } from "./socket";

/** One file on its way: bytes sent, then the server's indexing progress. */
export interface Upload {
  key: string;
  filename: string;
  /** 0..1 of the bytes while uploading; 0..1 of indexing after. */
  progress: number;
  phase: "uploading" | "indexing" | "ready" | "failed";
  documentId?: string;
  error?: string;
}

/**
 * Uploads for one session. XHR rather than fetch: fetch has no upload progress.
 * Indexing progress arrives as `document:progress` on the session's room.
 */
export function createUploads(sessionId: () => string) {
  const [uploads, setUploads] = createStore<Upload[]>([]);
  const patch = (key: string, p: Partial<Upload>) => setUploads((u) => u.key === key, p);

  function upload(file: File): void {
    const key = crypto.randomUUID();
    setUploads(uploads.length, { key, filename: file.name, progress: 0, phase: "uploading" });
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `/api/v1/chat/${sessionId()}/documents`);
    const token = accessToken();
    if (token) xhr.setRequestHeader("authorization", `Bearer ${token}`);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) patch(key, { progress: e.loaded / e.total });
    };
    xhr.onload = () => {
      let body: (Document & { error?: { message?: string } }) | null = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = null;
      }
      if (xhr.status >= 200 && xhr.status < 300 && body?.id) {
        patch(key, {
          documentId: body.id,
          progress: 0,
          phase:
            body.status === "ready" ? "ready" : body.status === "failed" ? "failed" : "indexing",
        });
      } else {
        // Document ingestion is not part of this server yet: its route answers 404.
        const why =
          xhr.status === 404
            ? "This server does not accept documents yet."
            : (body?.error?.message ??
              (xhr.status === 413 ? "File too large" : `Upload failed (${xhr.status})`));
        patch(key, { phase: "failed", error: why });
      }
    };
    xhr.onerror = () => patch(key, { phase: "failed", error: "Network error — try again." });
    const form = new FormData();
    form.append("file", file);
    xhr.send(form);
  }

  const onProgress: ServerToClientEvents["document:progress"] = (p) => {
    if (p.sessionId !== sessionId()) return;
    const phase = p.status === "ready" ? "ready" : p.status === "failed" ? "failed" : "indexing";
    setUploads((u) => u.documentId === p.documentId, {
      progress: p.progress,
      phase,
      error: p.error,
    });
  };
  createEffect(() => {
    const s = currentSocket();
    if (!s) return;
    s.on("document:progress", onProgress);
    onCleanup(() => s.off("document:progress", onProgress));
  });

  return {
    uploads,
    upload,
    dismiss: (key: string) => setUploads((list) => list.filter((u) => u.key !== key)),
  };
}
