/** A parsed HTTP answer. */
export interface JsonResponse<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

/** Options of {@link requestJson}. */
export interface RequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

/**
 * One HTTP call, JSON in and out. Never throws for an HTTP status (tests assert on it); a body
 * that is not JSON comes back as text. Network errors do throw.
 */
export async function requestJson<T = unknown>(
  method: string,
  url: string,
  options: RequestOptions = {},
): Promise<JsonResponse<T>> {
  const response = await fetch(url, {
    method,
    headers: {
      accept: "application/json",
      ...(options.body === undefined ? {} : { "content-type": "application/json" }),
      ...options.headers,
    },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
  });
  const text = await response.text();
  let body: unknown = text;
  if (text === "") {
    body = null;
  } else {
    try {
      body = JSON.parse(text);
    } catch {
      // Plain-text answers (metrics) stay text.
    }
  }
  return { status: response.status, body: body as T, headers: response.headers };
}

/** Like {@link requestJson} but throws unless the status is the expected one. */
export async function expectStatus<T = unknown>(
  expected: number,
  method: string,
  url: string,
  options: RequestOptions = {},
): Promise<T> {
  const response = await requestJson<T>(method, url, options);
  if (response.status !== expected) {
    throw new Error(
      `${method} ${url} answered ${response.status}, expected ${expected}: ${JSON.stringify(response.body)}`,
    );
  }
  return response.body;
}
