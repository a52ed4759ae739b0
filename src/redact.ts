/**
 * Removes passwords from anything that looks like a connection URL (`scheme://user:password@host`),
 * and from `password=...` key/value connection strings. Used for every line a user or a log reads.
 */
export function redactUrl(text: string): string {
  return text
    .replace(/([a-z][a-z0-9+.-]*:\/\/[^:/@\s[\]]*:)[^@\s/]*@/gi, '$1[redacted]@')
    .replace(/(password\s*=\s*)('[^']*'|\S+)/gi, '$1[redacted]');
}
