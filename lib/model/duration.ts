const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600 };

/** `"15m"` -> 900. Returns undefined for anything that is not `<positive integer><s|m|h>`. */
export function parseDuration(text: string): number | undefined {
  const match = /^([1-9][0-9]*)([smh])$/.exec(text);
  return match ? Number(match[1]) * UNIT_SECONDS[match[2]] : undefined;
}

/** 900 -> `"15m"`, 3600 -> `"1h"`, 90 -> `"90s"`: the shortest exact form. */
export function formatDuration(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}
