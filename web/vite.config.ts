import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";
import solid from "vite-plugin-solid";

const limits = fileURLToPath(new URL("../shared/src/limits.ts", import.meta.url));
const rooms = fileURLToPath(new URL("../shared/src/rooms.ts", import.meta.url));
const titles = fileURLToPath(new URL("../shared/src/titles.ts", import.meta.url));
const widgetMessages = fileURLToPath(new URL("../shared/src/widgetMessages.ts", import.meta.url));
const stream = fileURLToPath(new URL("../shared/src/stream.ts", import.meta.url));
const abilities = fileURLToPath(new URL("../shared/src/abilities.ts", import.meta.url));
const roomMessage = fileURLToPath(new URL("../shared/src/roomMessage.ts", import.meta.url));

export default defineConfig({
  plugins: [solid()],
  resolve: {
    // The web app takes LIMITS straight from shared's source file: importing the
    // package index would pull zod (~50 kB gzip) into the bundle for the schemas.
    alias: {
      "@engunity/shared/limits": limits,
      "@engunity/shared/rooms": rooms,
      "@engunity/shared/titles": titles,
      "@engunity/shared/widgetMessages": widgetMessages,
      "@engunity/shared/stream": stream,
      "@engunity/shared/abilities": abilities,
      "@engunity/shared/roomMessage": roomMessage,
    },
  },
  build: {
    target: "es2022",
    manifest: true,
    // The polyfill is only for browsers without modulepreload; every target has it,
    // and leaving it out keeps the entry free of extra code. CSP forbids inline script,
    // and Vite emits none: the entry is an external module script.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    // The app and the widget's panel page (`/embed`); the loader (`widget.js`) is a
    // classic script of its own, built by vite.widget.config.ts.
    rollupOptions: {
      input: {
        main: fileURLToPath(new URL("index.html", import.meta.url)),
        embed: fileURLToPath(new URL("embed.html", import.meta.url)),
      },
    },
  },
  server: {
    proxy: {
      "/api": "http://127.0.0.1:3000",
      "/socket.io": { target: "http://127.0.0.1:3000", ws: true },
      "/yjs": { target: "http://127.0.0.1:3000", ws: true },
    },
  },
});
