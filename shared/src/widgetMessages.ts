/**
 * The postMessage schema between the loader (`widget.js`, in the host page) and the
 * embed frame (`/embed`). Versioned: both sides drop anything whose `v` they do not
 * speak. No zod here: the loader must stay a few kB, so this file imports nothing.
 *
 * host → frame: `token` (a fresh widget token), `theme`.
 * frame → host: `ready` (asks for a token), `tokenNeeded` (expiring soon),
 * `unread` (count while the panel is closed), `close` (the visitor closed it).
 */
export const WIDGET_MESSAGE_VERSION = 1;
/** Marks our messages among everything else a page may postMessage. */
export const WIDGET_MESSAGE_SOURCE = "engunity-widget";

export type WidgetTheme = "light" | "dark";

export type HostToFrame =
  | { type: "token"; token: string; expiresAt: string }
  | { type: "theme"; theme: WidgetTheme; accent?: string }
  | { type: "visibility"; open: boolean };

export type FrameToHost =
  | { type: "ready" }
  | { type: "tokenNeeded" }
  | { type: "unread"; count: number }
  | { type: "close" };

export type Envelope<T> = T & {
  source: typeof WIDGET_MESSAGE_SOURCE;
  v: typeof WIDGET_MESSAGE_VERSION;
};

export function envelope<T extends { type: string }>(message: T): Envelope<T> {
  return { source: WIDGET_MESSAGE_SOURCE, v: WIDGET_MESSAGE_VERSION, ...message };
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null;
const ACCENT = /^#[0-9a-fA-F]{3,8}$/;

/** A host → frame message, or null for anything else (wrong version, shape or field types). */
export function parseHostMessage(data: unknown): HostToFrame | null {
  if (!isObject(data) || data.source !== WIDGET_MESSAGE_SOURCE || data.v !== WIDGET_MESSAGE_VERSION)
    return null;
  switch (data.type) {
    case "token":
      return typeof data.token === "string" && typeof data.expiresAt === "string"
        ? { type: "token", token: data.token, expiresAt: data.expiresAt }
        : null;
    case "theme":
      if (data.theme !== "light" && data.theme !== "dark") return null;
      if (
        data.accent !== undefined &&
        (typeof data.accent !== "string" || !ACCENT.test(data.accent))
      )
        return null;
      return {
        type: "theme",
        theme: data.theme,
        ...(data.accent ? { accent: data.accent as string } : {}),
      };
    case "visibility":
      return typeof data.open === "boolean" ? { type: "visibility", open: data.open } : null;
    default:
      return null;
  }
}

/** A frame → host message, or null. */
export function parseFrameMessage(data: unknown): FrameToHost | null {
  if (!isObject(data) || data.source !== WIDGET_MESSAGE_SOURCE || data.v !== WIDGET_MESSAGE_VERSION)
    return null;
  switch (data.type) {
    case "ready":
    case "tokenNeeded":
    case "close":
      return { type: data.type };
    case "unread":
      return typeof data.count === "number" && Number.isInteger(data.count) && data.count >= 0
        ? { type: "unread", count: data.count }
        : null;
    default:
      return null;
  }
}
