/** Rules that keep names unambiguous (a role/policy name mix-up once broke every pipeline). */
import type { Rule } from "./rule";
import { stackFinding } from "./rule";
import { policiesByName } from "./context";
import { resourcesOf, type TfRole } from "./terraform-json";

export const roleAndPolicyNamesDistinct: Rule = {
  id: "NAME-001",
  explanation: "A role name never equals a policy name, and a policy name is declared once: reviewers and operators must never confuse the two.",
  fix: "rename the role; policy names are derived from paths and start with kv-read.",
  check: (input) => {
    const policies = policiesByName(input);
    const findings = resourcesOf<TfRole>(input.tf, "vault_jwt_auth_backend_role")
      .filter(([, role]) => policies.has(role.role_name ?? ""))
      .map(([address, role]) => stackFinding(`${address}.role_name`, `${JSON.stringify(role.role_name)} is also a policy name`));
    for (const [name, declared] of policies) {
      if (declared.length > 1) findings.push(stackFinding(declared[1][0], `declares policy ${JSON.stringify(name)} again (also ${declared[0][0]})`));
    }
    return findings;
  },
};

export const roleNameUniqueAcrossMounts: Rule = {
  id: "NAME-002",
  explanation: "A role name is used on one auth mount only: the same name on two mounts means two different trust rules under one name.",
  fix: "give the role on the other mount its own name",
  check: (input) => {
    const firstMount = new Map<string, [string, string]>();
    const findings = [];
    for (const [address, role] of resourcesOf<TfRole>(input.tf, "vault_jwt_auth_backend_role")) {
      const name = role.role_name ?? "";
      const seen = firstMount.get(name);
      if (!seen) firstMount.set(name, [address, role.backend ?? ""]);
      else findings.push(stackFinding(`${address}.role_name`, `${JSON.stringify(name)} is already declared by ${seen[0]}${seen[1] === role.backend ? "" : " on another mount"}`));
    }
    return findings;
  },
};

export const NAME_RULES: readonly Rule[] = [roleAndPolicyNamesDistinct, roleNameUniqueAcrossMounts];
