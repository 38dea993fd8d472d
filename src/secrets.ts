/** Names of environment variables whose values are secrets (API keys, tokens, passwords). */
const SECRET_ENV_NAME = /KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL/i;

/** Key-like shapes: common provider prefixes, or one long unbroken run of letters and digits. */
const SECRET_SHAPE = /^(sk|pk|rk|tvly|ghp|gho|ghs|github_pat|hf|gsk|xox[abprs])[-_]|^(?=.*\d)[A-Za-z0-9_-]{32,}$/i;

/** What a secret is replaced with wherever text is stored or shown. */
export const REDACTED = "[redacted]";

/** Shorter values are not treated as secrets: redacting them would mangle ordinary text. */
const MIN_SECRET_LENGTH = 8;

/**
 * The secret values in the environment: every secret-named variable (OPENAI_API_KEY,
 * TAVILY_API_KEY, LANGSMITH_API_KEY, any *_TOKEN, *_PASSWORD…) and the password of any
 * URL-valued variable (POSTGRES_URI, OPENAI_BASE_URL…). Longest first, so a key that
 * contains another is replaced whole.
 */
export function secretValues(env: NodeJS.ProcessEnv = process.env): string[] {
  const found = new Set<string>();
  for (const [name, raw] of Object.entries(env)) {
    const value = raw?.trim();
    if (!value) continue;
    if (SECRET_ENV_NAME.test(name)) found.add(value);
    const password = urlPassword(value);
    if (password) found.add(password);
  }
  return [...found].filter((value) => value.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
}

function urlPassword(value: string): string | undefined {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return undefined;
  try {
    const password = new URL(value).password;
    return password ? decodeURIComponent(password) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Text with every secret replaced by [redacted], also where it appears escaped inside JSON or
 * percent-encoded in a URL. Upstream services sometimes echo the caller's key in their errors,
 * and those errors reach messages, checkpoints and the terminal.
 */
export function redactSecrets(text: string, secrets: readonly string[] = secretValues()): string {
  let redacted = text;
  for (const secret of secrets) {
    for (const form of secretForms(secret)) {
      if (redacted.includes(form)) redacted = redacted.split(form).join(REDACTED);
    }
  }
  return redacted;
}

/** The ways a secret can appear in stored text: as is, escaped inside JSON, percent-encoded. */
export function secretForms(secret: string): string[] {
  return [...new Set([secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret)])];
}

/** True when text looks like an API key or contains a secret from the environment. */
export function looksSecret(text: string, env: NodeJS.ProcessEnv = process.env): boolean {
  if (SECRET_SHAPE.test(text.trim())) return true;
  return secretValues(env).some((secret) => text.includes(secret));
}

/** True for the name of an environment variable whose value is a secret (an API key, a token, a password). */
export function isSecretName(name: string): boolean {
  return SECRET_ENV_NAME.test(name);
}
