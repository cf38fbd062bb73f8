import { Construct } from "constructs";
import { JwtAuthBackend } from "@cdktf/provider-vault/lib/jwt-auth-backend";
import { terraformId } from "../lib/naming";

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
      // Every pipeline in the company logs in here; deleting it must be a deliberate act, not a side effect.
      lifecycle: { preventDestroy: true },
    });
    this.backend.overrideLogicalId(terraformId(props.path));
    this.path = this.backend.path;
  }
}
