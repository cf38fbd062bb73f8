// The cdktf matchers (toHaveResourceWithProperties, ...): only this file uses them, so only this file loads them.
import "./support/setup";
import { Testing } from "cdktf";
import { JwtAuthBackend } from "@cdktf/provider-vault/lib/jwt-auth-backend";
import { JwtAuthBackendRole } from "@cdktf/provider-vault/lib/jwt-auth-backend-role";
import { Policy } from "@cdktf/provider-vault/lib/policy";
import { KvSecretV2 } from "@cdktf/provider-vault/lib/kv-secret-v2";
import { GroupVariable } from "@cdktf/provider-gitlab/lib/group-variable";
import { GitlabJwtAuth } from "../constructs/gitlab-jwt-auth";
import { CiRole } from "../constructs/ci-role";
import { ReadPolicy } from "../constructs/read-policy";
import { ServiceAccountSecret } from "../constructs/service-account-secret";
import { VaultAddrVariable } from "../constructs/vault-addr-variable";
import type { Config } from "../lib/model/config";
import { defaultConfig } from "./support/fixtures";

const GITLAB = "https://gitlab.shared.cwiq.io";
// In beforeAll, not at module or describe scope: jest skips it when Stryker selects none of these tests (docs/development.md, Mutation testing).
let config: Config;
beforeAll(() => {
  config = defaultConfig();
});
const account = (name: string) => config.accounts.find((a) => a.name === name)!;

describe("GitlabJwtAuth", () => {
  let synth: string;
  let backend: any;
  beforeAll(() => {
    synth = Testing.synthScope((scope) => new GitlabJwtAuth(scope, "auth", { path: "jwt", gitlabUrl: GITLAB }));
    backend = JSON.parse(synth).resource.vault_jwt_auth_backend.jwt;
  });

  it("mounts a jwt auth method that discovers GitLab's keys and checks the exact issuer", () => {
    expect(synth).toHaveResourceWithProperties(JwtAuthBackend, {
      path: "jwt",
      type: "jwt",
      oidc_discovery_url: GITLAB,
      bound_issuer: GITLAB,
    });
    expect(backend.description).toMatch(/GitLab CI ID tokens/);
  });

  it("has no default_role, no JWKS URL and no static keys", () => {
    for (const key of ["default_role", "jwks_url", "jwt_validation_pubkeys", "oidc_client_id"]) expect(backend).not.toHaveProperty(key);
  });

  it("is protected from destroy: every pipeline logs in through it", () => {
    expect(backend.lifecycle).toEqual({ prevent_destroy: true });
  });
});

describe("CiRole", () => {
  let synth: string;
  let role: any;
  beforeAll(() => {
    synth = Testing.synthScope(
      (scope) => new CiRole(scope, "role", { backendPath: "jwt", role: config.roles[0], policies: ["kv-read.secret.a", "kv-read.secret.b"] }),
    );
    role = JSON.parse(synth).resource.vault_jwt_auth_backend_role["nexus-ci"];
  });

  it("is a jwt role (the provider's default is oidc)", () => {
    expect(synth).toHaveResourceWithProperties(JwtAuthBackendRole, { role_name: "nexus-ci", role_type: "jwt", backend: "jwt" });
  });

  it("accepts only tokens for the organisation's audience", () => {
    expect(role.bound_audiences).toEqual([GITLAB]);
  });

  it("binds group 9 by id with exact string matching", () => {
    expect(role.bound_claims).toEqual({ namespace_id: "9" });
    expect(role.bound_claims_type).toBe("string");
  });

  it("identifies the caller by project id and copies job context into token metadata for the audit log", () => {
    expect(role.user_claim).toBe("project_id");
    expect(role.claim_mappings).toEqual({
      project_path: "project_path",
      ref: "ref",
      pipeline_id: "pipeline_id",
      job_id: "job_id",
      user_login: "user_login",
    });
  });

  it("issues short tokens with a limited number of uses, exactly the given policies and without the default policy", () => {
    expect(role).toMatchObject({
      token_policies: ["kv-read.secret.a", "kv-read.secret.b"],
      token_no_default_policy: true,
      token_ttl: 900,
      token_max_ttl: 1800,
      token_num_uses: 20,
    });
    for (const key of ["token_period", "token_explicit_max_ttl", "bound_subject"]) expect(role).not.toHaveProperty(key);
  });
});

describe("ReadPolicy", () => {
  it("creates a vault_policy with the rendered read-only HCL under its derived name", () => {
    const synth = Testing.synthScope(
      (scope) => new ReadPolicy(scope, "p", { name: "kv-read.secret.nexus.svc-executor", dataPath: "secret/data/nexus/svc-executor" }),
    );
    expect(synth).toHaveResourceWithProperties(Policy, {
      name: "kv-read.secret.nexus.svc-executor",
      policy: expect.stringContaining('path "secret/data/nexus/svc-executor" {\n  capabilities = ["read"]\n}'),
    });
    expect(Object.keys(JSON.parse(synth).resource.vault_policy)).toEqual(["kv-read_secret_nexus_svc-executor"]);
  });
});

describe("ServiceAccountSecret", () => {
  let synth: string;
  let json: any;
  let secret: any;
  let variable: any;
  beforeAll(() => {
    synth = Testing.synthScope((scope) => new ServiceAccountSecret(scope, "s", { mount: "secret", account: account("svc-executor") }));
    json = JSON.parse(synth);
    secret = json.resource.vault_kv_secret_v2["svc-executor"];
    variable = json.variable.svc_executor_password;
  });

  it("writes secret/nexus/<account> in the existing KV v2 mount", () => {
    expect(synth).toHaveResourceWithProperties(KvSecretV2, { mount: "secret", name: "nexus/svc-executor" });
  });

  it("writes username and password only through the write-only data_json_wo, versioned by passwordVersion", () => {
    expect(secret).not.toHaveProperty("data_json");
    expect(secret.data_json_wo).toBe(
      '${var.svc_executor_password == null ? "TF_VAR_svc_executor_password is not set: no password to write" : jsonencode({ username = "svc-executor", password = var.svc_executor_password })}',
    );
    expect(secret.data_json_wo_version).toBe(1);
  });

  it("never gives data_json_wo a null (the SDK would then refuse data_json_wo_version: every plan without the password failed)", () => {
    // Without its password the value is a text the provider cannot decode as JSON: it decodes before it writes
    // (resource_kv_secret_v2.go ~216-229), so a create or rotation without the password stops with nothing written.
    const [, whenMissing] = /== null \? (".*?") :/.exec(secret.data_json_wo)!;
    expect(whenMissing).not.toBe("null");
    expect(() => JSON.parse(JSON.parse(whenMissing))).toThrow(SyntaxError);
    expect(JSON.parse(whenMissing)).toContain("TF_VAR_svc_executor_password");
  });

  it("never reads the secret back, so its value cannot reach state", () => {
    expect(secret.disable_read).toBe(true);
  });

  it("takes the password from an optional, sensitive, ephemeral variable", () => {
    expect(variable).toMatchObject({ type: "string", sensitive: true, ephemeral: true, nullable: true, default: null });
    expect(variable.description).toContain("TF_VAR_svc_executor_password");
    expect(variable.validation[0].condition).toBe("${var.svc_executor_password == null || try(length(var.svc_executor_password) >= 16, false)}");
  });

  it("keeps 10 KV versions for rollback and marks the secret as managed, in metadata that no access change touches", () => {
    expect(secret.custom_metadata).toEqual({
      max_versions: 10,
      data: { managed_by: "terraform: access data file", rotation: "raise passwordVersion in the data file; never write this secret by hand" },
    });
    // The provider rewrites a secret's data on any in-place update (terraform-provider-vault#3020): readers, usedBy
    // and permissions must not be able to cause one.
    const changed = { ...account("svc-executor"), readers: ["kubernetes"], usedBy: "someone else", permissions: ["raw:read"] };
    const other = JSON.parse(Testing.synthScope((scope) => new ServiceAccountSecret(scope, "s", { mount: "secret", account: changed })));
    expect(other.resource.vault_kv_secret_v2["svc-executor"]).toEqual(secret);
  });

  it("is protected from destroy and can only ever plan a rotation as an update", () => {
    // Every argument but the version is ignored after creation: an update without a new version would send an empty
    // body and fail the apply (provider issue #2588), so Terraform must never plan one.
    expect(secret.lifecycle).toEqual({ prevent_destroy: true, ignore_changes: ["custom_metadata", "disable_read", "delete_all_versions", "cas", "options"] });
    const ignored = new Set(secret.lifecycle.ignore_changes);
    const updatable = Object.keys(secret).filter((k) => !ignored.has(k) && !["lifecycle", "mount", "name", "data_json_wo"].includes(k));
    // mount and name force a replacement (refused by prevent_destroy); data_json_wo is write-only (never diffed).
    expect(updatable).toEqual(["data_json_wo_version"]);
  });

  it("rotates by raising passwordVersion: only data_json_wo_version changes", () => {
    const rotated = JSON.parse(
      Testing.synthScope((scope) => new ServiceAccountSecret(scope, "s", { mount: "secret", account: { ...account("svc-executor"), passwordVersion: 2 } })),
    );
    expect(rotated.resource.vault_kv_secret_v2["svc-executor"]).toEqual({ ...secret, data_json_wo_version: 2 });
    expect(rotated.variable).toEqual(json.variable);
  });
});

describe("VaultAddrVariable", () => {
  let synth: string;
  beforeAll(() => {
    synth = Testing.synthScope((scope) => new VaultAddrVariable(scope, "v", { groupId: 9, vaultUrl: "https://vault.shared.cwiq.io" }));
  });

  it("sets VAULT_ADDR on group 9, visible to every pipeline including merge requests", () => {
    expect(synth).toHaveResourceWithProperties(GroupVariable, {
      group: "9",
      key: "VAULT_ADDR",
      value: "https://vault.shared.cwiq.io",
      variable_type: "env_var",
      masked: false,
      protected: false,
      raw: true,
      environment_scope: "*",
    });
    expect(JSON.parse(synth).resource.gitlab_group_variable.VAULT_ADDR.description).toMatch(/not a secret/);
  });
});
