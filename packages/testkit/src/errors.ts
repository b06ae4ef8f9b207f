/** Best human-readable reason of a connection failure (Node's AggregateError has an empty message). */
export function describeError(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) {
    return [...new Set(error.errors.map(describeError))].join(", ");
  }
  if (error instanceof Error) {
    const code = (error as Error & { code?: unknown }).code;
    if (error.message !== "") {
      return error.message.replace(/\.+$/, "");
    }
    return typeof code === "string" ? code : error.name;
  }
  return String(error);
}

/** The URL with its password replaced, safe for error messages and logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== "") {
      parsed.password = "***";
    }
    return parsed.toString();
  } catch {
    return url;
  }
}
