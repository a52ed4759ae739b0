/**
 * Keeping passwords out of everything a user or a log reads, in two layers:
 * - redactUrl: structural, for any text (a driver's message, a URL in an error): the password of
 *   anything shaped `scheme://user:password@host` (up to the last `@` of the run, so a password holding
 *   an unencoded `@` or `/` is covered whole), and `password=...` key/value pairs;
 * - secretsIn + scrubSecrets: the passwords the process was given (the --database URL, DATABASE_URL,
 *   PGPASSWORD, MARIADB_PASSWORD), found leniently even in a malformed URL, are removed wherever they appear in the
 *   output, whatever shape the text around them has (the CLI wraps stdout and stderr, logs included).
 */
export function redactUrl(text: string): string {
  return text
    .replace(/([a-z][a-z0-9+.-]*:\/\/[^:/@\s[\]]*:)\S*@/gi, '$1[redacted]@')
    .replace(/(password\s*=\s*)('[^']*'|\S+)/gi, '$1[redacted]');
}

/** The environment variables a server password is read from (src/config.ts composes URLs from them). */
const PASSWORD_VARIABLES = ['PGPASSWORD', 'MARIADB_PASSWORD'] as const;

/** Shorter candidates are not scrubbed (they would eat ordinary words); redactUrl still covers them. */
export const MIN_SECRET_LENGTH = 4;

/**
 * Every string that may be the password of a URL-like text, read leniently: for the part after
 * `scheme://` up to its last `@` (the user info, however malformed), each tail after a `:` (the user
 * may hold a `:` too), as written, %-decoded and re-encoded.
 */
export function urlSecrets(url: string): string[] {
  const m = /[a-z][a-z0-9+.-]*:\/\/(.*)$/is.exec(url);
  const rest = m?.[1];
  if (rest === undefined) return [];
  const at = rest.lastIndexOf('@');
  if (at < 0) return [];
  const userInfo = rest.slice(0, at);
  const found: string[] = [];
  for (let i = userInfo.indexOf(':'); i >= 0; i = userInfo.indexOf(':', i + 1)) {
    found.push(...variants(userInfo.slice(i + 1)));
  }
  return found;
}

/** The secrets in the process's inputs: URLs among the arguments and environment, and the password variables. */
export function secretsIn(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): string[] {
  const texts = [...args, env['DATABASE_URL'] ?? ''];
  const found = texts.flatMap(urlSecrets);
  for (const name of PASSWORD_VARIABLES) {
    const password = env[name];
    if (password !== undefined) found.push(...variants(password));
  }
  return [...new Set(found.filter((s) => s.length >= MIN_SECRET_LENGTH))].sort((a, b) => b.length - a.length);
}

/** Replaces every occurrence of every secret (longest first) with `[redacted]`. */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (out.includes(s)) out = out.split(s).join('[redacted]');
  return out;
}

/** A password as written, %-decoded, %-encoded, and each as it appears inside a JSON string. */
function variants(raw: string): string[] {
  const forms = new Set([raw, encodeURIComponent(raw)]);
  try {
    const decoded = decodeURIComponent(raw);
    forms.add(decoded);
    forms.add(encodeURIComponent(decoded));
  } catch {
    // Not %-decodable: the raw form is what can appear.
  }
  for (const f of [...forms]) forms.add(JSON.stringify(f).slice(1, -1));
  return [...forms];
}
