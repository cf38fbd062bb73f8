import { Construct } from "constructs";
import { JwtAuthBackend } from "@cdktf/provider-vault/lib/jwt-auth-backend";

/** The auth backend's Terraform address: `vault_jwt_auth_backend.jwt`, whatever its mount path. */
export const JWT_BACKEND_ID = "jwt";

export interface GitlabJwtAuthProps {
  /** Mount path of the auth method (`jwt` -> `auth/jwt/login`). */
  readonly path: string;
  /** The GitLab instance whose ID tokens Vault trusts; used as OIDC discovery URL and as the exact `iss`. */
  readonly gitlabUrl: string;
  /** @default a sentence naming the GitLab instance */
  readonly description?: string;
}

/**
 * The Vault JWT auth method that trusts GitLab CI ID tokens. It has no `default_role`: a login must name its role,
 * so a job can never fall into a role by accident.
 */
export class GitlabJwtAuth extends Construct {
  readonly backend: JwtAuthBackend;
  /** The mount path, as a reference, so that roles depend on the backend. */
  readonly path: string;

  constructor(scope: Construct, id: string, props: GitlabJwtAuthProps) {
    super(scope, id);
    this.backend = new JwtAuthBackend(this, "backend", {
      path: props.path,
      type: "jwt",
      description: props.description ?? `GitLab CI ID tokens from ${props.gitlabUrl} (managed by Terraform)`,
      oidcDiscoveryUrl: props.gitlabUrl,
      // Vault compares this string with the token's `iss` exactly: no trailing slash.
      boundIssuer: props.gitlabUrl,
      // A new path replaces the method instead of moving it (sys/remount), so prevent_destroy below refuses it at
      // plan: a remount would need sudo on sys/remount and break every pipeline's login URL at once. (Without this the
      // provider remounts in place: util/util.go Remount, resource_jwt_auth_backend.go ~392-397.)
      disableRemount: true,
      // Every pipeline in the company logs in here; deleting it must be a deliberate act, not a side effect.
      lifecycle: { preventDestroy: true },
    });
    // One address whatever the path, so that no edit of the data file removes this block: prevent_destroy is checked
    // only for a resource still in the configuration (Terraform internal/terraform/node_resource_abstract_instance.go
    // ~182-185), and an address derived from the path would turn a renamed mount into "destroy old, create new".
    this.backend.overrideLogicalId(JWT_BACKEND_ID);
    this.path = this.backend.path;
  }
}
