import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const widgetMessages = fileURLToPath(new URL("../shared/src/widgetMessages.ts", import.meta.url));

/**
 * `widget.js`, the loader host pages include: one classic script (IIFE, no imports,
 * no hash in the name — hosts link it by a stable URL), into the app's dist.
 */
export default defineConfig({
  resolve: { alias: { "@engunity/shared/widgetMessages": widgetMessages } },
  build: {
    target: "es2020",
    emptyOutDir: false,
    copyPublicDir: false,
    lib: {
      entry: fileURLToPath(new URL("src/widget/loader.ts", import.meta.url)),
      name: "EngunityWidget",
      formats: ["iife"],
      fileName: () => "widget.js",
    },
  },
});
