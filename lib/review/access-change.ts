/** One line of the access diff and how it changes access (access-diff.ts, unmodelled-changes.ts). */

/** `unclassified`: the Terraform differs where the access diff does not model it; it needs review like a widening. */
export type Impact = "widening" | "narrowing" | "neutral" | "unclassified";

export interface AccessChange {
  readonly impact: Impact;
  /** One line in words: `+` something added, `-` something removed, `~` something changed. */
  readonly line: string;
}

export const change = (impact: Impact, line: string): AccessChange => ({ impact, line });
