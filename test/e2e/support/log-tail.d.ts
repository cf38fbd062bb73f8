/** The last lines of a server's log, with the dev server's root token and unseal key redacted. */
export function logTail(file: string, lines?: number): string;
