// Extracts a PDF's text page by page off the main thread (pdf.js is CPU-bound and
// would otherwise hold up every answer streaming in this process). Plain JS so it
// loads in a worker thread without a TypeScript loader.
import { setPriority } from "node:os";
import { parentPort, workerData } from "node:worker_threads";
import { getDocumentProxy } from "unpdf";

// Off the main thread is not enough on a small machine: this thread would still take
// a core from the answers. On Linux a thread's nice value is its own, so this lowers
// only this thread; elsewhere it may lower the process or be refused (then ignored).
if (workerData.nice) {
  try {
    setPriority(workerData.nice);
  } catch {}
}

const port = parentPort;
try {
  const pdf = await getDocumentProxy(new Uint8Array(workerData.bytes), { isEvalSupported: false });
  try {
    for (let n = 1; n <= pdf.numPages; n++) {
      const page = await pdf.getPage(n);
      const content = await page.getTextContent();
      let text = "";
      for (const item of content.items) {
        if (!("str" in item)) continue;
        text += item.str;
        if (item.hasEOL) text += "\n";
      }
      page.cleanup();
      port.postMessage({ type: "page", n, total: pdf.numPages, text });
    }
  } finally {
    await pdf.destroy();
  }
  port.postMessage({ type: "done" });
} catch (err) {
  port.postMessage({
    type: "error",
    name: err?.name ?? "Error",
    message: String(err?.message ?? err),
  });
}
