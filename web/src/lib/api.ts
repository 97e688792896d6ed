import type { ErrorBody } from "@engunity/shared";
import { accessToken, signOut } from "./auth";

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

/** Calls `/api/v1<path>` with the user's token; throws ApiError on a non-2xx answer. */
export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  const token = accessToken();
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
    // A token the server no longer accepts (expired, user deleted) means signing in again.
    if (res.status === 401 && token) signOut();
    const err = data?.error;
    throw new ApiError(
      res.status,
      err?.code ?? "internal",
      err?.message ?? `Request failed (${res.status})`,
    );
  }
  return data as T;
}

/** Fetches an authenticated file and hands it to the browser as a download. */
export async function download(path: string, filename: string): Promise<void> {
  const token = accessToken();
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
