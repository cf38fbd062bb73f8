import { Construct } from "constructs";
import { JwtAuthBackendRole } from "@cdktf/provider-vault/lib/jwt-auth-backend-role";
import type { RoleConfig } from "../lib/model/config";
import { parseDuration } from "../lib/model/duration";
import { sortedByKey } from "../lib/model/order";

export interface CiRoleProps {
  /** Mount path of the JWT auth method (a reference to it, so the role is created after the mount). */
  readonly backendPath: string;
  /** The role as written in the data file. */
  readonly role: RoleConfig;
  /**
   * Names of the policies the role's tokens carry: exactly its read policies. Written as literal names, not
   * references, so that a reviewer reads them in the diff; Vault accepts a role naming a policy created after it.
   */
  readonly policies: readonly string[];
}

/** A Vault JWT role that GitLab CI jobs log in to with their ID token. */
export class CiRole extends Construct {
  readonly resource: JwtAuthBackendRole;

  constructor(scope: Construct, id: string, props: CiRoleProps) {
    super(scope, id);
    const { role } = props;
    this.resource = new JwtAuthBackendRole(this, "role", {
      backend: props.backendPath,
      roleName: role.name,
      // The provider's default is "oidc" (browser login); CI jobs present a JWT.
      roleType: "jwt",
      // Sets and maps in Vault: sorted, so that reordering them in the data file changes nothing in the stack.
      boundAudiences: [...role.audiences].sort(),
      boundClaims: Object.fromEntries(sortedByKey(Object.entries(role.boundClaims))),
      boundClaimsType: role.boundClaimsType,
      userClaim: role.userClaim,
      // Copied into token metadata so that Vault's audit log shows which job read what.
      claimMappings: Object.fromEntries([...role.claimMappings].sort().map((claim) => [claim, claim])),
      tokenPolicies: [...props.policies],
      // The `default` policy lets a token look itself up and use cubbyhole; a CI token needs neither.
      tokenNoDefaultPolicy: true,
      tokenTtl: parseDuration(role.tokenTtl),
      tokenMaxTtl: parseDuration(role.tokenMaxTtl),
      // Vault's default, 0, is unlimited: a leaked token could read its secrets any number of times until it expires.
      tokenNumUses: role.tokenNumUses,
    });
    this.resource.overrideLogicalId(role.name);
  }
}
