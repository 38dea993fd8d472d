/** Network error codes that mean nothing is there to answer, in words. */
const UNREACHABLE: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "host name lookup failed",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  UND_ERR_CONNECT_TIMEOUT: "connection timed out",
};

/**
 * Why a server could not be reached, when an error says so somewhere in its causes
 * (fetch wraps the socket's error, sometimes in an AggregateError); else undefined.
 */
export function unreachableReason(error: unknown, depth = 0): string | undefined {
  if (!error || typeof error !== "object" || depth > 5) return undefined;
  const { code, cause, errors } = error as { code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof code === "string" && code in UNREACHABLE) return UNREACHABLE[code];
  for (const inner of [cause, ...(Array.isArray(errors) ? errors : [])]) {
    const found = unreachableReason(inner, depth + 1);
    if (found) return found;
  }
  return undefined;
}

/** A URL as it may be shown: without user, password, query or fragment, which can carry credentials. */
export function shownUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = "";
    parsed.password = "";
    parsed.search = "";
    parsed.hash = "";
    return parsed.toString().replace(/\/$/, "");
  } catch {
    return "(an unparsable URL)";
  }
}
