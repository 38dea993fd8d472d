import { CheckpointConfigError } from "./errors.js";

/** The parts of a Postgres URI we show to people; never holds the password. */
export interface PostgresTarget {
  host: string;
  port: number;
  database: string;
  user: string;
  /** postgres://user:***@host:5432/db: safe for logs and error messages. */
  masked: string;
  /** Raw and percent-decoded password, kept only to scrub it out of messages. */
  secrets: string[];
}

const EXAMPLE = "postgres://user:password@host:5432/database";

/** Parses and checks POSTGRES_URI; a bad one fails here, before any connection attempt. */
export function parsePostgresUri(uri: string): PostgresTarget {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    // Neither the text nor URL's error (it carries `input`) is shown: a password may be anywhere in it.
    throw new CheckpointConfigError("bad-uri", `POSTGRES_URI is not a valid URL; expected ${EXAMPLE}`);
  }
  if (url.protocol !== "postgres:" && url.protocol !== "postgresql:") {
    throw new CheckpointConfigError("bad-uri", `POSTGRES_URI must start with postgres:// or postgresql://, got ${url.protocol}//`);
  }
  // A socket folder may come as ?host=/var/run/postgresql, which pg supports.
  const host = url.hostname || url.searchParams.get("host") || "";
  if (!host) throw new CheckpointConfigError("bad-uri", `POSTGRES_URI has no host; expected ${EXAMPLE}`);
  const user = decode(url.username);
  const database = decode(url.pathname.replace(/^\//, "")) || user;
  const port = url.port ? Number(url.port) : 5432;
  const secrets = [url.password, decode(url.password), url.searchParams.get("password") ?? ""].filter((s) => s.length > 0);
  const auth = user ? `${url.username}${url.password ? ":***" : ""}@` : "";
  const masked = url.hostname ? `${url.protocol}//${auth}${url.hostname}:${port}/${database}` : `${url.protocol}//${auth}:${port}/${database}?host=${host}`;
  return { host, port, database, user, masked, secrets };
}

/** Replaces every occurrence of the password in text that may have come from a driver. */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join("***");
  return out;
}

function decode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}
