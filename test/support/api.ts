/** A tiny REST client for tests: every call returns status, headers and parsed body. */
export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export function apiClient(baseUrl: string) {
  async function request<T = any>(
    method: string,
    path: string,
    opts: { token?: string; body?: unknown; raw?: string; headers?: Record<string, string> } = {},
  ): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    let body: string | undefined;
    if (opts.raw !== undefined) {
      body = opts.raw;
      headers["content-type"] ??= "application/json";
    } else if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers["content-type"] = "application/json";
    }
    const res = await fetch(`${baseUrl}/api/v1${path}`, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = text;
    if (res.headers.get("content-type")?.includes("json") && text) parsed = JSON.parse(text);
    return { status: res.status, headers: res.headers, body: parsed as T, text };
  }
  return {
    request,
    get: <T = any>(path: string, token?: string) => request<T>("GET", path, { token }),
    post: <T = any>(path: string, body?: unknown, token?: string) =>
      request<T>("POST", path, { token, body }),
    patch: <T = any>(path: string, body?: unknown, token?: string) =>
      request<T>("PATCH", path, { token, body }),
    del: <T = any>(path: string, token?: string) => request<T>("DELETE", path, { token }),
    /** Registers a user and returns `{user, token}`. */
    async register(username: string, password = "correct horse battery") {
      const res = await request("POST", "/auth/register", {
        body: {
          username,
          email: `${username}@example.test`,
          password,
          fullName: `${username} Tester`,
        },
      });
      if (res.status !== 201) throw new Error(`register ${username}: ${res.status} ${res.text}`);
      return {
        user: res.body.user as { id: string; username: string },
        token: res.body.accessToken as string,
      };
    },
  };
}

export type ApiClient = ReturnType<typeof apiClient>;

/** The events of a finished `text/event-stream` response, in order (`event` defaults to "message"). */
export async function readSse(res: Response): Promise<{ event: string; data: any }[]> {
  return (await res.text())
    .split("\n\n")
    .filter((block) => block.trim())
    .map((block) => ({
      event: /^event: (.*)$/m.exec(block)?.[1] ?? "message",
      data: JSON.parse(/^data: (.*)$/m.exec(block)?.[1] ?? "null"),
    }));
}
