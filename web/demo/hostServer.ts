import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";

/**
 * The demo host app: a page on its own origin that embeds the widget, and the one
 * backend route a host needs — `POST /engunity-token`, which trades the widget key
 * (held here, never sent to the page) for a token for the signed-in visitor.
 *
 *   ENGUNITY_URL=http://localhost:3000 ENGUNITY_WIDGET_KEY=ewk_… npx tsx web/demo/hostServer.ts
 */
export interface DemoHost {
  url: string;
  /** How many tokens the page asked this backend for (the widget refreshes before expiry). */
  tokenRequests: number;
  server: Server;
  close(): Promise<void>;
}

const DIR = import.meta.dirname;

export async function startDemoHost(opts: {
  engunityUrl: string;
  /** The widget key, held by this backend only (a function: it may be created later). */
  widgetKey: string | (() => string);
  port?: number;
  /** The host name in the page's URL (the server listens on 127.0.0.1 either way). */
  hostname?: string;
}): Promise<DemoHost> {
  const page = readFileSync(join(DIR, "host.html"), "utf8").replaceAll(
    "__ENGUNITY_URL__",
    opts.engunityUrl,
  );
  const files: Record<string, [string, string]> = {
    "/host.css": ["text/css", readFileSync(join(DIR, "host.css"), "utf8")],
    "/host.js": ["text/javascript", readFileSync(join(DIR, "host.js"), "utf8")],
  };
  const demo: DemoHost = {
    url: "",
    tokenRequests: 0,
    server: undefined as unknown as Server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://host");
    if (req.method === "POST" && url.pathname === "/engunity-token") {
      demo.tokenRequests++;
      // A real app takes the visitor from its own session; the demo from ?as=.
      const name = new URL(req.headers.referer ?? "http://x/").searchParams.get("as") ?? "Vera";
      const upstream = await fetch(`${opts.engunityUrl}/api/v1/widget/tokens`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-widget-key": typeof opts.widgetKey === "string" ? opts.widgetKey : opts.widgetKey(),
        },
        body: JSON.stringify({
          visitor: { id: `acme-user-${name.toLowerCase()}`, name },
          pageUrl: req.headers.referer,
        }),
      }).catch(() => null);
      res.writeHead(upstream?.status ?? 502, { "content-type": "application/json" });
      res.end(
        upstream
          ? await upstream.text()
          : '{"error":{"code":"unavailable","message":"Engunity is unreachable"}}',
      );
      return;
    }
    const file = files[url.pathname];
    if (file) {
      res.writeHead(200, { "content-type": file[0] });
      res.end(file[1]);
      return;
    }
    if (url.pathname === "/" || url.pathname === "/index.html") {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      res.end(page);
      return;
    }
    res.writeHead(404).end();
  });
  demo.server = server;
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  demo.url = `http://${opts.hostname ?? "127.0.0.1"}:${port}`;
  return demo;
}

if (process.argv[1] === import.meta.filename) {
  const engunityUrl = process.env.ENGUNITY_URL ?? "http://localhost:3000";
  const widgetKey = process.env.ENGUNITY_WIDGET_KEY ?? "";
  if (!widgetKey) {
    console.error("Set ENGUNITY_WIDGET_KEY to a key from POST /api/v1/widget/keys");
    process.exit(1);
  }
  const host = await startDemoHost({
    engunityUrl,
    widgetKey,
    port: Number(process.env.PORT ?? 4000),
  });
  console.log(`demo host app at ${host.url} (add it to the key's allowedOrigins)`);
}
