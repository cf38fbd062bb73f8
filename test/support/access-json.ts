/** Hand-made variations of a synthesized stack, for what the data file cannot express (roles beyond plain read). */
import { renderPolicy } from "../../lib/model/policy";

/** A copy of `json` with an apply-like role: project 42 on protected refs, create/update on a glob and on sys/. */
export function withApplyRole(json: any): any {
  const copy = structuredClone(json);
  copy.resource.vault_policy["fixture-apply"] = {
    name: "fixture-apply",
    policy: renderPolicy("Applies this configuration.", [
      { path: "secret/data/nexus/*", capabilities: ["create", "update"] },
      { path: "sys/policies/acl/*", capabilities: ["create", "read", "update", "delete"] },
    ]),
  };
  copy.resource.vault_jwt_auth_backend_role["fixture-apply"] = {
    backend: "${vault_jwt_auth_backend.jwt.path}",
    role_name: "fixture-apply",
    role_type: "jwt",
    bound_audiences: ["https://gitlab.shared.cwiq.io"],
    bound_claims: { project_id: "42", ref_protected: "true" },
    bound_claims_type: "string",
    user_claim: "project_id",
    token_policies: ["fixture-apply"],
    token_no_default_policy: true,
    token_ttl: 900,
    token_max_ttl: 1800,
  };
  return copy;
}
