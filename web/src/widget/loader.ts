import {
  envelope,
  type HostToFrame,
  parseFrameMessage,
  type WidgetTheme,
} from "@engunity/shared/widgetMessages";

/**
 * `widget.js`: the loader a host page includes. No framework, a few kB. It draws a
 * launcher bubble (unread badge) in a closed shadow root, so the host's CSS cannot
 * restyle it, and opens a panel that is an iframe of `/embed` on our origin, so the
 * host's scripts cannot read the chat. Tokens come from the host's backend through
 * `getToken` (or a POST to `data-token-endpoint`), and are refreshed before expiry.
 *
 *   <script src="https://chat.example.com/widget.js" data-token-endpoint="/engunity-token" async></script>
 *   Engunity.mount({ el, getToken, theme: "dark", accent: "#0f766e", position: "left", title: "Help" })
 */

export interface WidgetToken {
  token: string;
  expiresAt: string;
}

export interface MountOptions {
  /** Where the launcher goes; default a fixed corner of the page. */
  el?: HTMLElement;
  /** Fetches a fresh token from the host's backend (which holds the widget key). */
  getToken: () => Promise<WidgetToken>;
  theme?: WidgetTheme;
  /** `#rgb` … `#rrggbbaa` */
  accent?: string;
  position?: "left" | "right";
  /** The launcher's accessible label and tooltip. */
  title?: string;
  /** Start open. */
  open?: boolean;
}

export interface WidgetHandle {
  open(): void;
  close(): void;
  unmount(): void;
}

const script = document.currentScript as HTMLScriptElement | null;
const BASE = new URL(script?.src ?? location.href).origin;
/** Ask for the next token this long before the current one expires. */
const REFRESH_BEFORE_MS = 60_000;

const CSS = `
:host{all:initial}
.l{position:fixed;bottom:20px;z-index:2147483000;width:56px;height:56px;border-radius:50%;border:0;cursor:pointer;
background:var(--a);color:#fff;box-shadow:0 6px 20px rgba(0,0,0,.25);display:grid;place-items:center;padding:0}
.l:focus-visible{outline:3px solid var(--a);outline-offset:3px}
.l svg{width:26px;height:26px}
.b{position:absolute;top:-4px;right:-4px;min-width:20px;height:20px;border-radius:10px;background:#dc2626;color:#fff;
font:600 12px/20px system-ui,sans-serif;text-align:center;padding:0 5px;box-sizing:border-box}
.b[hidden]{display:none}
.p{position:fixed;bottom:88px;z-index:2147483000;width:380px;height:min(600px,calc(100vh - 120px));border-radius:14px;
overflow:hidden;box-shadow:0 12px 40px rgba(0,0,0,.28);background:#fff}
.p[hidden]{display:none}
.p iframe{border:0;width:100%;height:100%;display:block;color-scheme:normal}
.r{right:20px}.left{left:20px}
@media (max-width:480px){.p{inset:0;width:100%;height:100%;border-radius:0;bottom:0}.p:not([hidden])+.l{display:none}}
`;
const ICON =
  '<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" aria-hidden="true"><path d="M21 12a8 8 0 0 1-11.6 7.1L4 20l1-4.6A8 8 0 1 1 21 12z"/></svg>';

function kidOf(token: string): string {
  try {
    const part = (token.split(".")[1] ?? "").replace(/-/g, "+").replace(/_/g, "/");
    return String(JSON.parse(atob(part)).kid ?? "");
  } catch {
    return "";
  }
}

const mounted = new WeakMap<Element, WidgetHandle>();

function mount(opts: MountOptions): WidgetHandle {
  const target = opts.el ?? document.body;
  // A SPA re-rendering mounts again: the previous widget on that element goes first.
  mounted.get(target)?.unmount();

  const host = document.createElement("engunity-widget");
  const root = host.attachShadow({ mode: "closed" });
  const side = opts.position === "left" ? "left" : "r";
  const label = opts.title ?? "Chat with us";
  const accent = /^#[0-9a-fA-F]{3,8}$/.test(opts.accent ?? "") ? opts.accent! : "#4f46e5";
  root.innerHTML = `<style>${CSS}</style><div class="p ${side}" role="dialog" aria-label="${label.replace(/[<>&"]/g, "")}" hidden></div><button class="l ${side}" type="button" aria-expanded="false">${ICON}<span class="b" hidden></span></button>`;
  (root.host as HTMLElement).style.setProperty("--a", accent);
  const panel = root.querySelector(".p") as HTMLDivElement;
  const button = root.querySelector(".l") as HTMLButtonElement;
  const badge = root.querySelector(".b") as HTMLSpanElement;
  button.setAttribute("aria-label", label);
  button.title = label;

  let frame: HTMLIFrameElement | null = null;
  let current: WidgetToken | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let isOpen = false;
  let gone = false;

  const post = (m: HostToFrame) => frame?.contentWindow?.postMessage(envelope(m), BASE);

  async function fetchToken(): Promise<void> {
    clearTimeout(timer);
    try {
      current = await opts.getToken();
    } catch {
      current = null;
      return;
    }
    if (gone) return;
    if (!frame) createFrame(kidOf(current.token));
    else post({ type: "token", ...current });
    const left = Date.parse(current.expiresAt) - Date.now() - REFRESH_BEFORE_MS;
    timer = setTimeout(() => void fetchToken(), Math.max(left, 5_000));
  }

  function createFrame(kid: string): void {
    frame = document.createElement("iframe");
    frame.title = label;
    frame.allow = "clipboard-write";
    frame.src = `${BASE}/embed?k=${encodeURIComponent(kid)}&o=${encodeURIComponent(location.origin)}`;
    panel.append(frame);
  }

  const onMessage = (e: MessageEvent) => {
    if (!frame || e.source !== frame.contentWindow || e.origin !== BASE) return;
    const m = parseFrameMessage(e.data);
    if (!m) return;
    switch (m.type) {
      case "ready":
        post({ type: "theme", theme: opts.theme ?? "light", accent });
        post({ type: "visibility", open: isOpen });
        if (current) post({ type: "token", ...current });
        break;
      case "tokenNeeded":
        void fetchToken();
        break;
      case "unread":
        badge.hidden = m.count === 0;
        badge.textContent = m.count > 9 ? "9+" : String(m.count);
        button.setAttribute("aria-label", m.count ? `${label} (${m.count} unread)` : label);
        break;
      case "close":
        setOpen(false);
        button.focus();
        break;
    }
  };

  function setOpen(open: boolean): void {
    isOpen = open;
    panel.hidden = !open;
    button.setAttribute("aria-expanded", String(open));
    post({ type: "visibility", open });
    if (open) frame?.focus();
  }

  const onKey = (e: KeyboardEvent) => {
    if (e.key === "Escape" && isOpen) setOpen(false);
  };
  button.addEventListener("click", () => setOpen(!isOpen));
  root.addEventListener("keydown", onKey as EventListener);
  window.addEventListener("message", onMessage);
  target.append(host);
  // A host page that re-renders its body may drop us: put the widget back.
  const watch = new MutationObserver(() => {
    if (!host.isConnected && target.isConnected) target.append(host);
  });
  watch.observe(target, { childList: true });

  const handle: WidgetHandle = {
    open: () => setOpen(true),
    close: () => setOpen(false),
    unmount() {
      gone = true;
      clearTimeout(timer);
      watch.disconnect();
      window.removeEventListener("message", onMessage);
      host.remove();
      mounted.delete(target);
    },
  };
  mounted.set(target, handle);
  void fetchToken();
  if (opts.open) setOpen(true);
  return handle;
}

let auto: WidgetHandle | undefined;
/** `Engunity.open()` / `.close()` drive the widget the script tag mounted (a host's "Help" button). */
const api = { mount, open: () => auto?.open(), close: () => auto?.close() };
(window as unknown as { Engunity: typeof api }).Engunity = api;

// `<script data-token-endpoint=…>`: mount with a POST to the host's own endpoint.
const endpoint = script?.dataset.tokenEndpoint;
if (script && endpoint) {
  const d = script.dataset;
  const start = () => {
    auto = mount({
      getToken: async () => {
        const res = await fetch(endpoint, { method: "POST", credentials: "same-origin" });
        if (!res.ok) throw new Error(`token endpoint answered ${res.status}`);
        return (await res.json()) as WidgetToken;
      },
      theme: d.theme === "dark" ? "dark" : "light",
      accent: d.accent,
      position: d.position === "left" ? "left" : "right",
      title: d.title,
    });
  };
  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start);
}
