/** Data-file paths: `roles[0].reads[1].path` and `["roles", 0, "reads", 1, "path"]`, and the value at one. */

/** `["roles", 0, "boundClaims", "namespace_id"]` -> `roles[0].boundClaims.namespace_id`; the root is `(root)`. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, key) => (typeof key === "number" ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key)), "") || "(root)";
}

/** `roles[0].reads[1].path` -> `["roles", 0, "reads", 1, "path"]` (the inverse of formatPath). */
export function pathKeys(path: string): PropertyKey[] {
  return [...path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((m) => (m[2] !== undefined ? Number(m[2]) : m[1]));
}

/** The value at `path` in parsed YAML; undefined where the path leaves it. */
export function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  return path.reduce<unknown>((node, key) => (node as Record<PropertyKey, unknown> | null | undefined)?.[key], data);
}
