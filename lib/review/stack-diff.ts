/**
 * What changes between two synthesized stacks, by Terraform address: the review of a data change before any plan.
 * It compares configuration, not real objects, so it is what `terraform plan` shows against a state that matches
 * the first stack.
 */
import type { TerraformJson } from "../../rules/terraform-json";

export interface BlockChange {
  /** `vault_jwt_auth_backend_role.nexus-ci`, `var.svc_datastore_password`, `output.ci_roles`, `terraform`. */
  readonly address: string;
  /** Its top-level attributes whose value differs, sorted. */
  readonly attributes: readonly string[];
}

export interface StackDiff {
  readonly added: readonly string[];
  /** Resources Terraform destroys: gone from the second stack, and not kept by a `removed` block. */
  readonly removed: readonly string[];
  /** Resources gone from the second stack that a `removed` block keeps: Terraform forgets them, Vault keeps them. */
  readonly forgotten: readonly string[];
  readonly changed: readonly BlockChange[];
}

/** cdktf's bookkeeping (construct paths, versions): not part of what Terraform applies. */
const METADATA_KEY = "//";

/** Every block of the JSON by the address Terraform uses for it (top-level sections such as `terraform` by name). */
export function blocks(tf: TerraformJson): Map<string, unknown> {
  const found = new Map<string, unknown>();
  const prefixes: Record<string, (name: string) => string> = {
    resource: (name) => name,
    data: (name) => `data.${name}`,
  };
  for (const [section, body] of Object.entries(tf)) {
    if (section === METADATA_KEY) continue;
    if (section in prefixes && isObject(body)) {
      for (const [type, byName] of Object.entries(body)) {
        for (const [name, block] of Object.entries(byName as object)) {
          for (const [address, instance] of instancesOf(prefixes[section](`${type}.${name}`), block)) found.set(address, instance);
        }
      }
    } else if ((section === "variable" || section === "output") && isObject(body)) {
      for (const [name, block] of Object.entries(body)) found.set(`${section === "variable" ? "var" : "output"}.${name}`, block);
    } else {
      found.set(section, body);
    }
  }
  return found;
}

/**
 * A block with a literal `for_each` map is one instance per key, as Terraform plans it (`terraform_data.x["key"]`),
 * each with `${each.key}` and `${each.value}` put in where they are a whole value; any other block is itself.
 */
function instancesOf(address: string, block: unknown): [string, unknown][] {
  if (!isObject(block) || !isObject(block.for_each)) return [[address, block]];
  const { for_each: forEach, ...body } = block;
  return Object.entries(forEach).map(([key, value]) => {
    const put = (v: unknown): unknown => (v === "${each.key}" ? key : v === "${each.value}" ? value : v);
    return [`${address}[${JSON.stringify(key)}]`, Object.fromEntries(Object.entries(body).map(([k, v]) => [k, put(v)]))];
  });
}

/** The addresses that `removed` blocks stop managing without destroying them (Terraform 1.7+, `destroy = false`). */
export function forgotten(tf: TerraformJson): Set<string> {
  return new Set((tf.removed ?? []).filter((r) => r.lifecycle?.destroy === false && r.from).map((r) => r.from as string));
}

export function diffStacks(before: TerraformJson, after: TerraformJson): StackDiff {
  const a = blocks(before);
  const b = blocks(after);
  const sorted = (items: Iterable<string>) => [...items].sort();
  const kept = forgotten(after);
  const gone = [...a.keys()].filter((address) => !b.has(address));
  return {
    added: sorted([...b.keys()].filter((address) => !a.has(address))),
    removed: sorted(gone.filter((address) => !kept.has(address))),
    forgotten: sorted(gone.filter((address) => kept.has(address))),
    changed: sorted([...b.keys()].filter((address) => a.has(address)))
      .map((address) => ({ address, attributes: changedAttributes(a.get(address), b.get(address)) }))
      .filter((change) => change.attributes.length > 0),
  };
}

function changedAttributes(before: unknown, after: unknown): string[] {
  if (!isObject(before) || !isObject(after)) return same(before, after) ? [] : ["(value)"];
  const keys = new Set([...Object.keys(before), ...Object.keys(after)].filter((key) => key !== METADATA_KEY));
  return [...keys].filter((key) => !same(before[key], after[key])).sort();
}

/** Equal as Terraform values: object key order and cdktf metadata do not count. */
export function same(x: unknown, y: unknown): boolean {
  return JSON.stringify(canonical(x)) === JSON.stringify(canonical(y));
}

/** Object keys sorted at every level, cdktf metadata dropped, so that only values count. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (!isObject(value)) return value;
  return Object.fromEntries(
    Object.keys(value)
      .filter((key) => key !== METADATA_KEY)
      .sort()
      .map((key) => [key, canonical(value[key])]),
  );
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** A resource (or resource instance) address, not a variable, output, data source or top-level section. */
export const isResource = (address: string) => !/^(var|output|data)\./.test(address) && address.includes(".");

/**
 * The diff as the lines a reviewer should find in `terraform plan`: `+` created, `~` updated in place (with the
 * attributes), `-` destroyed, then the plan's summary line and the outputs that change.
 */
export function describePlan(diff: StackDiff): string[] {
  const added = diff.added.filter(isResource);
  const changed = diff.changed.filter((c) => isResource(c.address));
  const removed = diff.removed.filter(isResource);
  const outputs = [...diff.added, ...diff.removed, ...diff.changed.map((c) => c.address)].filter((a) => a.startsWith("output.")).map((a) => a.slice("output.".length));
  return [
    ...added.map((address) => `+ ${address}`),
    ...changed.map(({ address, attributes }) => `~ ${address} (${attributes.join(", ")})`),
    ...removed.map((address) => `- ${address}`),
    // Terraform 1.11: "will no longer be managed by Terraform, but will not be destroyed"; not in the summary line.
    ...diff.forgotten.map((address) => `. ${address} (no longer managed; kept, not destroyed)`),
    `Plan: ${added.length} to add, ${changed.length} to change, ${removed.length} to destroy.`,
    ...(outputs.length > 0 ? [`Changes to Outputs: ${[...new Set(outputs)].sort().join(", ")}`] : []),
  ];
}
