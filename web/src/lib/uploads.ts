import type { Document, ServerToClientEvents } from "@engunity/shared";
import { createEffect, on, onCleanup } from "solid-js";
import { createStore } from "solid-js/store";
import { api, errorText, freshAccessToken } from "./api";
import { currentSocket } from "./socket";

/** One document of the session: bytes on their way, then the server's indexing. */
export interface Upload {
  key: string;
  filename: string;
  /** 0..1 of the bytes while uploading; 0..1 of indexing after. */
  progress: number;
  phase: "uploading" | "indexing" | "ready" | "failed";
  documentId?: string;
  chunkCount?: number;
  error?: string;
}

const phaseOf = (status: Document["status"]): Upload["phase"] =>
  status === "ready" ? "ready" : status === "failed" ? "failed" : "indexing";

function fromDocument(d: Document): Upload {
  return {
    key: d.id,
    documentId: d.id,
    filename: d.filename,
    progress: d.progress,
    phase: phaseOf(d.status),
    chunkCount: d.chunkCount,
    error: d.error,
  };
}

/**
 * The session's documents: loaded when the session opens, kept live by
 * `document:progress` / `document:deleted` on its room (anyone's uploads, not only
 * mine), plus my uploads in flight. XHR rather than fetch: fetch has no upload progress.
 */
export function createUploads(sessionId: () => string) {
  const [uploads, setUploads] = createStore<Upload[]>([]);
  const patch = (key: string, p: Partial<Upload>) => setUploads((u) => u.key === key, p);

  createEffect(
    on(sessionId, (id) => {
      setUploads([]);
      void api<{ documents: Document[] }>("GET", `/chat/${id}/documents`)
        .then(({ documents }) => {
          if (sessionId() !== id) return;
          const known = new Set(uploads.map((u) => u.documentId));
          setUploads((list) => [
            ...documents.filter((d) => !known.has(d.id)).map(fromDocument),
            ...list,
          ]);
        })
        .catch(() => {});
    }),
  );

  function upload(file: File): void {
    const key = crypto.randomUUID();
    setUploads(uploads.length, { key, filename: file.name, progress: 0, phase: "uploading" });
    // The access token is short-lived: renewed first when it is about to run out.
    void freshAccessToken().then((token) => send(key, file, token));
  }

  function send(key: string, file: File, token: string | null): void {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `/api/v1/chat/${sessionId()}/documents`);
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
        const id = body.id;
        // A progress event may have arrived before this response and made a row already.
        const early = uploads.find((u) => u.documentId === id && u.key !== key);
        if (early) {
          setUploads((list) => list.filter((u) => u.key !== key));
          return;
        }
        patch(key, { documentId: id, progress: body.progress, phase: phaseOf(body.status) });
      } else {
        const why =
          body?.error?.message ??
          (xhr.status === 413 ? "File too large" : `Upload failed (${xhr.status})`);
        patch(key, { phase: "failed", error: why, progress: 0 });
      }
    };
    xhr.onerror = () => patch(key, { phase: "failed", error: "Network error — try again." });
    const form = new FormData();
    form.append("file", file);
    xhr.send(form);
  }

  const onProgress: ServerToClientEvents["document:progress"] = (p) => {
    if (p.sessionId !== sessionId()) return;
    const phase = phaseOf(p.status);
    if (!uploads.some((u) => u.documentId === p.documentId)) {
      // Someone else's upload (or mine, before its response): show it too.
      const mine = uploads.find((u) => u.phase === "uploading" && u.progress >= 1);
      if (mine) patch(mine.key, { documentId: p.documentId });
      else {
        // The name comes with the list; fetch it once.
        void api<{ documents: Document[] }>("GET", `/chat/${p.sessionId}/documents`)
          .then(({ documents }) => {
            const d = documents.find((x) => x.id === p.documentId);
            if (d && !uploads.some((u) => u.documentId === d.id))
              setUploads(uploads.length, fromDocument(d));
          })
          .catch(() => {});
        return;
      }
    }
    setUploads((u) => u.documentId === p.documentId, {
      progress: p.progress,
      phase,
      error: p.error,
    });
    if (phase === "ready") {
      void api<{ documents: Document[] }>("GET", `/chat/${p.sessionId}/documents`)
        .then(({ documents }) => {
          const d = documents.find((x) => x.id === p.documentId);
          if (d) setUploads((u) => u.documentId === d.id, { chunkCount: d.chunkCount });
        })
        .catch(() => {});
    }
  };
  const onDeleted: ServerToClientEvents["document:deleted"] = (p) => {
    if (p.sessionId !== sessionId()) return;
    setUploads((list) => list.filter((u) => u.documentId !== p.documentId));
  };
  createEffect(() => {
    const s = currentSocket();
    if (!s) return;
    s.on("document:progress", onProgress);
    s.on("document:deleted", onDeleted);
    onCleanup(() => {
      s.off("document:progress", onProgress);
      s.off("document:deleted", onDeleted);
    });
  });

  /** Deletes the document (cancelling its indexing), or just forgets a failed upload. */
  async function remove(key: string): Promise<void> {
    const u = uploads.find((x) => x.key === key);
    if (!u) return;
    if (u.documentId) {
      try {
        await api("DELETE", `/documents/${u.documentId}`);
      } catch (e) {
        patch(key, { error: errorText(e) });
        return;
      }
    }
    setUploads((list) => list.filter((x) => x.key !== key));
  }

  return {
    uploads,
    upload,
    remove,
    dismiss: (key: string) => setUploads((list) => list.filter((u) => u.key !== key)),
  };
}
