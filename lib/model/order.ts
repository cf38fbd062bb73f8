/** One text order for everything this project sorts, so that output never depends on the order of the data file. */

/** Code-unit order, the same as Array.prototype.sort's default for strings. */
export const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Entries sorted by key (a record or map whose order in the data file must not show in the output). */
export const sortedByKey = <T>(entries: Iterable<readonly [string, T]>): [string, T][] =>
  Array.from(entries, ([key, value]): [string, T] => [key, value]).sort(([a], [b]) => compareText(a, b));
