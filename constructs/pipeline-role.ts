import { Construct } from "constructs";
import { JwtAuthBackendRole } from "@cdktf/provider-vault/lib/jwt-auth-backend-role";
import { Policy } from "@cdktf/provider-vault/lib/policy";
import type { PipelineConfig } from "../lib/model/config";
import { parseDuration } from "../lib/model/duration";
import { pipelinePolicyName, terraformId } from "../lib/model/naming";
import { pipelineBoundClaims, renderPipelinePolicy, type PathNeed, type PipelineKind } from "../lib/operations/pipeline-access";

/** Claims copied into token metadata, so that Vault's audit log shows which pipeline and job did what. */
export const PIPELINE_CLAIM_MAPPINGS = ["project_path", "ref", "pipeline_id", "job_id", "user_login"] as const;

export interface PipelineRoleProps {
  /** Mount path of the JWT auth method (a reference to it, so the role is created after the mount). */
  readonly backendPath: string;
  /** The data file's `pipeline` section. */
  readonly pipeline: PipelineConfig;
  /** `plan` (bound to the project id only) or `apply` (also bound to protected refs). */
  readonly kind: PipelineKind;
  /** The paths both pipeline roles need (lib/operations/pipeline-access.ts); this role's policy takes its own column. */
  readonly needs: readonly PathNeed[];
}

/**
 * One of this repository's own pipeline roles, with the one policy it carries. Bound to this project by id and
 * nothing wider; the apply role also to `ref_protected` (and to one branch when the data names it), so merge-request
 * pipelines, which anyone who can push a branch controls, can only ever log in to the plan role.
 */
export class PipelineRole extends Construct {
  readonly role: JwtAuthBackendRole;
  readonly policy: Policy;

  constructor(scope: Construct, id: string, props: PipelineRoleProps) {
    super(scope, id);
    const { pipeline, kind } = props;
    const config = pipeline[kind];
    const policyName = pipelinePolicyName(config.name);

    this.policy = new Policy(this, "policy", { name: policyName, policy: renderPipelinePolicy(props.needs, kind) });
    this.policy.overrideLogicalId(terraformId(policyName));

    this.role = new JwtAuthBackendRole(this, "role", {
      backend: props.backendPath,
      roleName: config.name,
      // The provider's default is "oidc" (browser login); CI jobs present a JWT.
      roleType: "jwt",
      boundAudiences: [...config.audiences],
      boundClaims: pipelineBoundClaims(pipeline, kind),
      boundClaimsType: "string",
      userClaim: "project_id",
      claimMappings: Object.fromEntries(PIPELINE_CLAIM_MAPPINGS.map((claim) => [claim, claim])),
      // A literal name, not a reference, so that a reviewer reads it in the diff.
      tokenPolicies: [policyName],
      tokenNoDefaultPolicy: true,
      tokenTtl: parseDuration(config.tokenTtl),
      tokenMaxTtl: parseDuration(config.tokenMaxTtl),
    });
    this.role.overrideLogicalId(config.name);
  }
}
