/**
 * ACCESS.md's picture: a mermaid flowchart (GitLab and GitHub render it) of who can read what, drawn from the same
 * reading of the Terraform JSON as the rest of the report: each JWT role -> the policies its tokens carry -> the
 * secret paths they grant, and beside them the workloads that log in outside CI with the policies no role carries.
 * A workload-only secret (`workloadOnly` in the data file) sits in its own box, which no CI role's arrow enters.
 * Pure and sorted: it changes exactly when access changes, and the staleness test covers it with the rest of ACCESS.md.
 */
import type { GrantedAccess } from "./granted-access";
import { compareText } from "../model/order";
import { oneLine } from "../model/text";

/**
 * mermaid refuses a diagram longer than maxTextSize characters or draws only the first maxEdges arrows (its
 * defaults: mermaid 11 config.schema.yaml, `maxTextSize: 50000`, `maxEdges: 500`). A larger configuration gets a
 * sentence instead: the tables below still say everything.
 */
export const DIAGRAM_LIMITS = { maxTextSize: 50_000, maxEdges: 500 } as const;

/**
 * A mermaid quoted label for any text: one line; `#` starts mermaid's entity codes and `"` ends the label, so both
 * are written as entity codes, and so are `<`, `>` and `&` (labels are HTML in GitLab's rendering) and the backtick
 * (a label starting with one is Markdown, and three would close ACCESS.md's code fence).
 */
export function mermaidLabel(text: string): string {
  const entities: Record<string, string> = { "#": "#35;", '"': "#quot;", "<": "#lt;", ">": "#gt;", "&": "#amp;", "`": "#96;" };
  return `"${oneLine(text).replace(/[#"<>&`]/g, (c) => entities[c])}"`;
}

/** The ```mermaid block, or a sentence when it would exceed mermaid's limits; empty when there is nothing to draw. */
export function accessDiagram(access: GrantedAccess): string {
  const { lines, edges } = flowchart(access);
  if (edges === 0) return "";
  const text = lines.join("\n");
  if (text.length > DIAGRAM_LIMITS.maxTextSize || edges > DIAGRAM_LIMITS.maxEdges) {
    return `_Not drawn: ${edges} arrows and ${text.length} characters exceed what mermaid draws (${DIAGRAM_LIMITS.maxEdges} arrows, ${DIAGRAM_LIMITS.maxTextSize} characters). The tables below list every grant._`;
  }
  return ["```mermaid", text, "```"].join("\n");
}

/** Node ids are generated (r1, p1, s1, w1): names go only into labels, where they are escaped. */
function flowchart(access: GrantedAccess): { lines: string[]; edges: number } {
  const ids = new Map<string, string>();
  const counts = { r: 0, p: 0, s: 0, w: 0 };
  const id = (kind: keyof typeof counts, name: string): string => {
    const key = `${kind}:${name}`;
    if (!ids.has(key)) ids.set(key, `${kind}${++counts[kind]}`);
    return ids.get(key) as string;
  };
  const workloadOnly = new Set(
    Object.entries(access.accountNotes)
      .filter(([, notes]) => notes.workload_only === "true")
      .map(([path]) => path),
  );
  const policies = new Map(access.policies.map((p) => [p.name, p]));
  const paths = [...new Set([...access.secrets.map((s) => s.dataPath), ...access.policies.flatMap((p) => (p.rules ?? []).map((r) => r.path))])].sort(
    compareText,
  );
  const node = (kind: "r" | "p" | "s" | "w", name: string, label: string, shape: "round" | "box" | "cylinder" = "box") => {
    const [open, close] = { round: ["([", "])"], box: ["[", "]"], cylinder: ["[(", ")]"] }[shape];
    return `    ${id(kind, name)}${open}${mermaidLabel(label)}${close}`;
  };
  const subgraph = (name: string, title: string, body: string[]) => (body.length > 0 ? [`  subgraph ${name}[${mermaidLabel(title)}]`, ...body, "  end"] : []);

  // token_policies, declared here or not (an undeclared one is drawn without arrows onward: its rules are not visible).
  const carried = new Set(access.roles.flatMap((role) => role.policies));
  const unattached = access.policies.filter((p) => p.roles.length === 0);
  const workloads = [...new Set(unattached.flatMap((p) => p.workloads))].sort(compareText);

  const edges: string[] = [];
  for (const role of access.roles) for (const policy of role.policies) edges.push(`  ${id("r", role.name)} --> ${id("p", policy)}`);
  for (const policy of unattached) for (const workload of policy.workloads) edges.push(`  ${id("w", workload)} -.-> ${id("p", policy.name)}`);
  for (const policy of access.policies) {
    for (const rule of policy.rules ?? []) {
      const read = rule.capabilities.length === 1 && rule.capabilities[0] === "read";
      edges.push(`  ${id("p", policy.name)} -->${read ? "" : `|${mermaidLabel(rule.capabilities.join(", "))}|`} ${id("s", rule.path)}`);
    }
  }

  const lines = [
    "flowchart LR",
    ...subgraph(
      "ci",
      "GitLab CI: JWT roles",
      access.roles.map((r) => node("r", r.name, `${r.name} (auth/${r.authPath}/)`, "round")),
    ),
    ...subgraph(
      "outside",
      "Workloads outside CI",
      workloads.map((w) => node("w", w, w, "round")),
    ),
    ...subgraph("policies", "Vault policies", [
      ...[...carried].sort(compareText).map((p) => node("p", p, policies.has(p) ? p : `${p} (not declared here)`)),
      ...unattached.map((p) => node("p", p.name, `${p.name} (no role)`)),
    ]),
    ...subgraph(
      "secrets",
      "Secret paths (KV v2)",
      paths.filter((p) => !workloadOnly.has(p)).map((p) => node("s", p, p, "cylinder")),
    ),
    ...subgraph(
      "isolated",
      "Workload-only: no CI role may read",
      paths.filter((p) => workloadOnly.has(p)).map((p) => node("s", p, p, "cylinder")),
    ),
    ...edges,
    ...(paths.some((p) => workloadOnly.has(p)) ? ["  style isolated stroke:#c00,stroke-width:2px,stroke-dasharray:5 3"] : []),
  ];
  return { lines, edges: edges.length };
}
