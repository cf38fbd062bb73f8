import { Construct } from "constructs";
import { LocalBackend, type TerraformRemoteState, TerraformBackend, TerraformOutput, TerraformResource, TerraformStack } from "cdktf";
import { VaultProvider } from "@cdktf/provider-vault/lib/provider";
import { GitlabProvider } from "@cdktf/provider-gitlab/lib/provider";
import { Mount } from "@cdktf/provider-vault/lib/mount";
import { type Config, writesPassword } from "../lib/model/config";
import { accountMetadata, deriveAccess, guardrailWaivers, secretKeys } from "../lib/model/access";
import { groupVariableImportId, importBlocks, jwtAuthBackendImportId, jwtRoleImportId, mountImportId, policyImportId, type Importable } from "../lib/operations/adoption";
import { GitlabJwtAuth } from "./gitlab-jwt-auth";
import { CiRole } from "./ci-role";
import { ReadPolicy } from "./read-policy";
import { ServiceAccountSecret } from "./service-account-secret";
import { VAULT_ADDR_KEY, VAULT_ADDR_SCOPE, VaultAddrVariable } from "./vault-addr-variable";
import { PipelineRole } from "./pipeline-role";
import { AccountGuard } from "./account-guard";
import { derivePipelineNeeds } from "../lib/operations/pipeline-access";
import { terraformId } from "../lib/model/naming";
import { repairStackHcl } from "../lib/synth/stack-hcl";

/** Where Terraform keeps state. */
export type StateBackend =
  | { readonly kind: "local" }
  /**
   * GitLab-managed Terraform state: an http backend whose address and credentials `terraform init` reads from
   * TF_HTTP_ADDRESS, TF_HTTP_LOCK_ADDRESS, TF_HTTP_UNLOCK_ADDRESS, TF_HTTP_USERNAME and TF_HTTP_PASSWORD, so none of
   * them is ever in cdk.tf.json; without TF_HTTP_ADDRESS, init fails ("address argument is required").
   */
  | { readonly kind: "gitlab" };

export interface VaultCiAccessStackProps {
  readonly config: Config;
  /** @default GitLab-managed state (an http backend configured at terraform init) */
  readonly backend?: StateBackend;
  /**
   * Called with each account's read policy and secret as soon as it is built and complete. The synth passes
   * StackJsonBuilder.release (lib/synth/stack-json.ts), which renders it and takes it out of the tree, so that the tree
   * never holds every account at once. Without it, the stack keeps all of them (cdktf's own app.synth() needs that).
   */
  readonly completed?: (construct: Construct) => void;
}

/**
 * GitLab CI -> Vault trust, the read policies, the Nexus account secrets and VAULT_ADDR, for one data file; and,
 * when the data file has a `pipeline` section, this repository's own plan and apply roles.
 */
export class VaultCiAccessStack extends TerraformStack {
  constructor(scope: Construct, id: string, props: VaultCiAccessStackProps) {
    super(scope, id);
    const { config } = props;
    configureBackend(this, id, props.backend ?? { kind: "gitlab" });
    // Write-only arguments (the passwords) and ephemeral variables need Terraform 1.11.
    this.addOverride("terraform.required_version", ">= 1.11.0");

    // Tokens come from VAULT_TOKEN and GITLAB_TOKEN in the environment, never from code or data.
    new VaultProvider(this, "vault", { address: config.vault.url });
    new GitlabProvider(this, "gitlab", { baseUrl: `${config.gitlab.url}/api/v4/` });

    // Objects that may already exist, with their import ids, for adoption mode.
    const importables: Importable[] = [];
    const mayExist = (resource: TerraformResource, id: string) => importables.push({ address: addressOf(resource), id });

    let kvMount = config.vault.kvMount;
    if (config.vault.manageKvMount) {
      const mount = managedKvMount(this, config.vault.kvMount);
      mayExist(mount, mountImportId(config.vault.kvMount));
      kvMount = mount.path;
    }
    const auth = new GitlabJwtAuth(this, "jwt-auth", { path: config.vault.jwtMount, gitlabUrl: config.gitlab.url });
    mayExist(auth.backend, jwtAuthBackendImportId(config.vault.jwtMount));

    const access = deriveAccess(config);
    for (const grant of access.grants) {
      const policy = new ReadPolicy(this, `policy-${grant.policyName}`, { name: grant.policyName, dataPath: grant.dataPath });
      mayExist(policy.resource, policyImportId(grant.policyName));
      props.completed?.(policy);
    }
    for (const role of config.roles) {
      const ciRole = new CiRole(this, `role-${role.name}`, { backendPath: auth.path, role, policies: access.rolePolicies.get(role.name) ?? [] });
      mayExist(ciRole.resource, jwtRoleImportId(config.vault.jwtMount, role.name));
    }
    if (config.pipeline) {
      // This repository's own pipeline: a plan role and an apply role, each with its derived policy. New objects:
      // never imported in adoption mode.
      const needs = derivePipelineNeeds(config, config.pipeline);
      for (const kind of ["plan", "apply"] as const) {
        new PipelineRole(this, `pipeline-${kind}`, { backendPath: auth.path, pipeline: config.pipeline, kind, needs });
      }
    }
    // An account whose password was set by hand (passwordVersion 0) has no secret here: Terraform neither imports
    // nor writes it until its first rotation (lib/operations/adoption.ts says why a KV secret is never imported).
    const removed: Removed[] = [];
    for (const account of config.accounts) {
      if (writesPassword(account)) {
        const secret = new ServiceAccountSecret(this, `account-${account.name}`, { mount: kvMount, account });
        props.completed?.(secret);
      }
      // Back to passwordVersion 0 (or never managed): stop managing the secret and keep it in Vault. A removed block
      // for an address that is not in state does nothing (Terraform 1.7+; the end-to-end suite runs both cases).
      else removed.push(keep(`vault_kv_secret_v2.${terraformId(account.name)}`));
    }
    new AccountGuard(this, "account-guard", { accounts: config.accounts.map((a) => a.name) });
    // manageKvMount back to false: stop managing the mount, never delete it (and every secret in it).
    if (!config.vault.manageKvMount) removed.push(keep(`vault_mount.${KV_MOUNT_ID}`));
    if (removed.length > 0) this.addOverride("removed", removed);
    const vaultAddr = new VaultAddrVariable(this, "vault-addr", { groupId: config.gitlab.groupId, vaultUrl: config.vault.url });
    mayExist(vaultAddr.resource, groupVariableImportId(config.gitlab.groupId, VAULT_ADDR_KEY, VAULT_ADDR_SCOPE));

    if (config.adopt) {
      // Plain import blocks rather than cdktf's resource.importFrom(): importFrom adds a synth-time check that runs
      // `terraform version`, which fails wherever synth runs without Terraform; required_version >= 1.11 already
      // guarantees import-block support (Terraform 1.5+) where the plan runs.
      this.addOverride("import", importBlocks(importables, config.adopt.create));
    }

    // What CI template authors need; none of it is secret.
    new TerraformOutput(this, "jwt_auth_path", { value: config.vault.jwtMount, description: "Mount of the JWT auth method: log in at /v1/auth/<path>/login" });
    new TerraformOutput(this, "ci_roles", {
      description: "Per CI role: the audience its id_tokens must carry and the policies its tokens get",
      value: Object.fromEntries(
        config.roles.map((role) => [role.name, { audiences: [...role.audiences].sort(), policies: access.rolePolicies.get(role.name) ?? [] }]),
      ),
    });
    new TerraformOutput(this, "read_policies", {
      description: "Every read policy, by the KV path it grants",
      value: Object.fromEntries(access.grants.map((grant) => [grant.path, grant.policyName])),
    });
    // Key names only: ACCESS.md and CI template authors need them, and they are not otherwise in the JSON.
    new TerraformOutput(this, "secret_keys", {
      description: "Per KV v2 data path granted or written here: the names of the keys stored there (never values)",
      value: secretKeys(config, access),
    });
    // What the secrets' custom_metadata cannot hold (lib/model/access.ts accountMetadata says why): for ACCESS.md and reviewers.
    new TerraformOutput(this, "account_metadata", {
      description: "Per Nexus account secret: its Nexus permissions, who uses it and who reads it (roles and workloads)",
      value: accountMetadata(config),
    });
    // Only when the data file waives a guardrail: the access diff reads it, so a new or changed waiver widens.
    const waivers = guardrailWaivers(config);
    if (Object.keys(waivers).length > 0) {
      new TerraformOutput(this, "guardrail_waivers", { description: "Guardrails waived in the data file: <list>/<entry>/<rule> -> the written reason", value: waivers });
    }
  }

  /** `cdktf synth --hcl`: cdktf's HCL with the stack-level blocks it mis-renders or drops put right (lib/synth/stack-hcl.ts). */
  override toHclTerraform(): { [key: string]: any } {
    const rendered = super.toHclTerraform();
    return { ...rendered, hcl: repairStackHcl(rendered.hcl, this.toTerraform()) };
  }
}

function configureBackend(stack: TerraformStack, stackName: string, backend: StateBackend): void {
  if (backend.kind === "gitlab") {
    // A partial configuration (Terraform docs, "Backend Configuration: partial configuration"): only GitLab's
    // constant settings for its state API are here. Every address, and the credentials, come from the TF_HTTP_*
    // variables at `terraform init`, as GitLab documents, so a token in an address can never reach cdk.tf.json, a
    // printed line or the CI artifact; a forgotten TF_HTTP_ADDRESS fails init instead of falling back to local state.
    new GitlabStateBackend(stack);
  } else {
    // Relative to cdktf.out/stacks/<stack>: state lives at the repository root, so cleaning cdktf.out never loses it.
    new LocalBackend(stack, { path: `../../../terraform.${stackName}.tfstate` });
  }
}

/**
 * An http backend with GitLab's constant settings only (a partial configuration). cdktf's HttpBackend construct
 * requires an address; an override of `terraform.backend` instead would leave the stack without a backend construct,
 * and cdktf's app.synth() (the cdktf CLI's path) then adds its default local backend beside it (cdktf 0.21.0
 * lib/terraform-stack.ts, prepareStack -> ensureBackendExists: `backends[0] || new LocalBackend(this, {})`): two
 * backends, which `terraform init` refuses.
 */
class GitlabStateBackend extends TerraformBackend {
  constructor(scope: Construct) {
    super(scope, "backend", "http");
  }

  protected override synthesizeAttributes(): { [name: string]: unknown } {
    return { lock_method: "POST", unlock_method: "DELETE", retry_wait_min: 5 };
  }

  protected override synthesizeHclAttributes(): { [name: string]: unknown } {
    return this.synthesizeAttributes();
  }

  getRemoteStateDataSource(): TerraformRemoteState {
    throw new Error("this stack's state is read by no other stack");
  }
}

/** `vault_policy.kv-read_secret_nexus_svc-executor`: the address terraform plan prints. */
function addressOf(resource: TerraformResource): string {
  return `${resource.terraformResourceType}.${resource.friendlyUniqueId}`;
}

/** A Terraform 1.7+ `removed` block that stops managing an object and keeps it (`destroy = false`). */
interface Removed {
  readonly from: string;
  readonly lifecycle: { readonly destroy: false };
}
const keep = (from: string): Removed => ({ from, lifecycle: { destroy: false } });

/** The managed KV mount's address, whatever its path: a new path is a replacement, which prevent_destroy refuses. */
const KV_MOUNT_ID = "kv";

function managedKvMount(scope: Construct, path: string): Mount {
  const mount = new Mount(scope, "kv-mount", {
    path,
    type: "kv",
    options: { version: "2" },
    description: "KV v2 secrets (managed by Terraform)",
    // Deleting a mount deletes every secret in it.
    lifecycle: { preventDestroy: true },
  });
  mount.overrideLogicalId(KV_MOUNT_ID);
  return mount;
}
