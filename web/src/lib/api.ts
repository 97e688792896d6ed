import type { ErrorBody } from "@engunity/shared";
import {
  accessToken,
  adoptStored,
  isEphemeral,
  load,
  refreshToken,
  replaceTokens,
  signOut,
} from "./auth";

/** A failed REST call, carrying the contract's error code. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Seconds until a JWT's `exp` (negative once expired; Infinity when unreadable). */
function secondsLeft(token: string): number {
  try {
    const payload = token.split(".")[1] ?? "";
    const json = atob(payload.replace(/-/g, "+").replace(/_/g, "/"));
    const exp = (JSON.parse(json) as { exp?: number }).exp;
    return typeof exp === "number" ? exp - Date.now() / 1000 : Number.POSITIVE_INFINITY;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

let renewing: Promise<boolean> | null = null;

/**
 * Renews the access token with the refresh token; true when this sign-in has a fresh
 * one. One renewal at a time, across tabs too (Web Locks): a refresh token is single
 * use, and two tabs spending the same one would look like theft and end the sign-in.
 * A tab that waited finds the tokens the other one stored, and uses them.
 */
export function renewAccessToken(): Promise<boolean> {
  renewing ??= (async () => {
    const spent = refreshToken();
    if (!spent || isEphemeral()) return false;
    const run = async (): Promise<boolean> => {
      const stored = load();
      if (stored?.refreshToken && stored.refreshToken !== spent) {
        adoptStored();
        return true;
      }
      const res = await fetch("/api/v1/auth/refresh", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ refreshToken: spent }),
      });
      if (!res.ok) return false;
      const data = (await res.json()) as { accessToken: string; refreshToken: string };
      replaceTokens(data.accessToken, data.refreshToken);
      return true;
    };
    const locks = typeof navigator !== "undefined" ? navigator.locks : undefined;
    return locks ? locks.request("engunity.refresh", run) : run();
  })()
    .catch(() => false)
    .finally(() => {
      renewing = null;
    });
  return renewing;
}

/** The access token, renewed first when it has under a minute left. */
export async function freshAccessToken(): Promise<string | null> {
  const token = accessToken();
  if (token && refreshToken() && secondsLeft(token) < 60) await renewAccessToken();
  return accessToken();
}

/** Calls `/api/v1<path>` with the user's token; throws ApiError on a non-2xx answer. */
export async function api<T>(
  method: string,
  path: string,
  body?: unknown,
  retried = false,
): Promise<T> {
  const headers: Record<string, string> = {};
  const token = await freshAccessToken();
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  let res: Response;
  try {
    res = await fetch(`/api/v1${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(
      0,
      "network",
      "Can't reach the server. Check your connection and try again.",
    );
  }
  if (res.status === 204) return undefined as T;
  const data = (await res.json().catch(() => null)) as (T & Partial<ErrorBody>) | null;
  if (!res.ok) {
    // A token the server no longer accepts: renew it once; if the sign-in itself is
    // over (revoked, expired, user deleted), that means signing in again.
    if (res.status === 401 && token) {
      if (!retried && (await renewAccessToken())) return api<T>(method, path, body, true);
      signOut();
    }
    const err = data?.error;
    throw new ApiError(
      res.status,
      err?.code ?? "internal",
      err?.message ?? `Request failed (${res.status})`,
    );
  }
  return data as T;
}

let documentsBase = "/documents";

/**
 * Where a document downloads from: `/documents/<id>/download`, or in the widget's
 * panel `/widget/documents/<id>/download` (the one route a widget token may use).
 */
export const documentDownloadPath = (id: string) =>
  `${documentsBase}/${encodeURIComponent(id)}/download`;

/** The embed downloads through the widget's route. */
export function useWidgetDocuments(): void {
  documentsBase = "/widget/documents";
}

/** Fetches an authenticated file and hands it to the browser as a download. */
export async function download(path: string, filename: string): Promise<void> {
  const token = await freshAccessToken();
  const res = await fetch(`/api/v1${path}`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  if (!res.ok) throw new ApiError(res.status, "download", `Download failed (${res.status})`);
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** The message of any thrown value, for a toast or an inline error. */
export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Runs a dialog's actions one way: the last error is cleared before each, and what an
 * action throws becomes `setError`'s inline message.
 */
export function actionRunner(setError: (message: string | null) => void) {
  return async (fn: () => Promise<void>): Promise<void> => {
    setError(null);
    try {
      await fn();
    } catch (e) {
      setError(errorText(e));
    }
  };
}
