/** Lookups shared by the rules: which synthesized roles are CI reader roles, and where they are in the data file. */
import type { RuleInput, EntryRef } from "./rule";
import { resourcesOf, type TfPolicy, type TfRole } from "./terraform-json";

/**
 * The views below are read by many rules of one run (ciGrants by seven): each is computed once per RuleInput, the
 * object runRules hands to every rule, and forgotten with it. At 3000 accounts that parsed every policy seven times.
 */
const perInput = new WeakMap<RuleInput, Map<string, unknown>>();
export function once<T>(input: RuleInput, view: string, compute: () => T): T {
  let views = perInput.get(input);
  if (!views) perInput.set(input, (views = new Map()));
  if (!views.has(view)) views.set(view, compute());
  return views.get(view) as T;
}

export interface CiRoleView {
  readonly address: string;
  readonly role: TfRole;
  readonly name: string;
  readonly entry: EntryRef;
}

/** The synthesized JWT roles that the data file declares under `roles` (CI reader roles). */
export function ciRoles(input: RuleInput): CiRoleView[] {
  return once(input, "ciRoles", () => findCiRoles(input));
}

function findCiRoles(input: RuleInput): CiRoleView[] {
  const declared = new Set(input.config.roles.map((role) => role.name));
  return resourcesOf<TfRole>(input.tf, "vault_jwt_auth_backend_role")
    .filter(([, role]) => role.role_name !== undefined && declared.has(role.role_name))
    .map(([address, role]) => ({
      address,
      role,
      name: role.role_name!,
      entry: { list: "roles", name: role.role_name! },
    }));
}

/** Every synthesized policy by its Vault name (several if names collide). */
export function policiesByName(input: RuleInput): Map<string, [string, TfPolicy][]> {
  return once(input, "policiesByName", () => groupPoliciesByName(input));
}

function groupPoliciesByName(input: RuleInput): Map<string, [string, TfPolicy][]> {
  const byName = new Map<string, [string, TfPolicy][]>();
  for (const [address, policy] of resourcesOf<TfPolicy>(input.tf, "vault_policy")) {
    const name = policy.name ?? "";
    const same = byName.get(name);
    if (same) same.push([address, policy]);
    else byName.set(name, [[address, policy]]);
  }
  return byName;
}

/** A host name from a URL, or undefined when it does not parse. */
export function hostOf(url: string | undefined): string | undefined {
  return url !== undefined && URL.canParse(url) ? new URL(url).host : undefined;
}

export interface PipelineRoleView {
  readonly address: string;
  readonly role: TfRole;
  readonly name: string;
  readonly kind: "plan" | "apply";
}

/** The synthesized JWT roles that the data file declares under `pipeline` (this repository's plan and apply roles). */
export function pipelineRoles(input: RuleInput): PipelineRoleView[] {
  return once(input, "pipelineRoles", () => findPipelineRoles(input));
}

function findPipelineRoles(input: RuleInput): PipelineRoleView[] {
  const pipeline = input.config.pipeline;
  if (!pipeline) return [];
  const kinds = new Map([
    [pipeline.plan.name, "plan" as const],
    [pipeline.apply.name, "apply" as const],
  ]);
  return resourcesOf<TfRole>(input.tf, "vault_jwt_auth_backend_role")
    .filter(([, role]) => kinds.has(role.role_name ?? ""))
    .map(([address, role]) => {
      const kind = kinds.get(role.role_name!)!;
      return { address, role, name: role.role_name!, kind };
    });
}
