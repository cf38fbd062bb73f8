import { parseHcl } from "../lib/synth/stack-hcl";
import { loadConfig } from "../lib/model/config";
import { configFrom, defaultConfig, defaultData, LIVE_FILE, synthStack } from "./support/fixtures";

const GITLAB = "https://gitlab.shared.cwiq.io";
const VAULT = "https://vault.shared.cwiq.io";
const CI_PATHS = [
  "defectdojo/svc-orchestrator",
  "nexus/svc-executor",
  "nexus/svc-orchestrator",
  "orchestrator/e2e-test-user",
  "reportportal/svc-orchestrator",
  "sonarqube/svc-orchestrator",
];
const policyOf = (path: string) => `kv-read.secret.${path.replace(/\//g, ".")}`;

// In beforeAll, not at describe scope: jest skips it when Stryker selects none of these tests (docs/development.md, Mutation testing).
describe("the default stack (CWIQ, frozen in test/fixtures/cwiq-frozen.yaml)", () => {
  let json: any;
  let resources: any;
  beforeAll(() => {
    json = synthStack();
    resources = json.resource;
  });

  it("declares exactly the JWT backend, one role, seven read policies, three secrets and VAULT_ADDR", () => {
    const inventory = Object.fromEntries(Object.entries(resources).map(([type, byName]) => [type, Object.keys(byName as object).sort()]));
    expect(inventory).toEqual({
      vault_jwt_auth_backend: ["jwt"],
      vault_jwt_auth_backend_role: ["nexus-ci"],
      vault_policy: [...CI_PATHS, "nexus/svc-deployer"].map((p) => policyOf(p).replace(/\./g, "_")).sort(),
      vault_kv_secret_v2: ["svc-deployer", "svc-executor", "svc-orchestrator"],
      gitlab_group_variable: ["VAULT_ADDR"],
      terraform_data: ["account_guard"],
    });
    expect(json).not.toHaveProperty("data");
  });

  it("guards every declared account against a deleted or renamed entry, and stops managing what is no longer managed without deleting it", () => {
    // One built-in terraform_data instance per account, prevent_destroy: deleting an entry fails the plan.
    expect(resources.terraform_data.account_guard).toEqual({
      for_each: { "svc-deployer": "nexus/svc-deployer", "svc-executor": "nexus/svc-executor", "svc-orchestrator": "nexus/svc-orchestrator" },
      input: "${each.value}",
      lifecycle: { prevent_destroy: true },
    });
    // The KV mount is not managed here: were it ever, it is forgotten, never deleted.
    expect(json.removed).toEqual([{ from: "vault_mount.kv", lifecycle: { destroy: false } }]);
  });

  it("keeps the auth method at one address whatever its path, and refuses a remount", () => {
    const data = defaultData();
    data.vault.jwtMount = "gitlab-jwt";
    const moved = synthStack(configFrom(data)).resource.vault_jwt_auth_backend;
    expect(Object.keys(moved)).toEqual(["jwt"]);
    expect(moved.jwt).toMatchObject({ path: "gitlab-jwt", disable_remount: true, lifecycle: { prevent_destroy: true } });
  });

  it("stops managing a secret set back to passwordVersion 0, keeping it in Vault and in the guard", () => {
    const data = defaultData();
    data.accounts.find((a: any) => a.name === "svc-executor").passwordVersion = 0;
    const json = synthStack(configFrom(data));
    expect(json.resource.vault_kv_secret_v2).not.toHaveProperty("svc-executor");
    expect(json.removed).toEqual([
      { from: "vault_kv_secret_v2.svc-executor", lifecycle: { destroy: false } },
      { from: "vault_mount.kv", lifecycle: { destroy: false } },
    ]);
    expect(Object.keys(json.resource.terraform_data.account_guard.for_each)).toContain("svc-executor");
  });

  it("1. configures both providers by URL only: tokens come from VAULT_TOKEN and GITLAB_TOKEN", () => {
    expect(json.provider).toEqual({ vault: [{ address: VAULT }], gitlab: [{ base_url: `${GITLAB}/api/v4/` }] });
  });

  it("2. trusts GitLab's ID tokens at jwt/ with the exact issuer and no default role", () => {
    expect(resources.vault_jwt_auth_backend.jwt).toMatchObject({ path: "jwt", type: "jwt", oidc_discovery_url: GITLAB, bound_issuer: GITLAB });
    expect(resources.vault_jwt_auth_backend.jwt).not.toHaveProperty("default_role");
  });

  it("3. nexus-ci is a jwt role for group 9 by id whose token_policies are exactly its six read policies", () => {
    const role = resources.vault_jwt_auth_backend_role["nexus-ci"];
    expect(role).toMatchObject({
      backend: "${vault_jwt_auth_backend.jwt.path}",
      role_type: "jwt",
      bound_audiences: [GITLAB],
      bound_claims: { namespace_id: "9" },
      bound_claims_type: "string",
      user_claim: "project_id",
      token_no_default_policy: true,
      token_ttl: 900,
      token_max_ttl: 1800,
      token_num_uses: 20,
    });
    expect(role.token_policies).toEqual(CI_PATHS.map(policyOf));
    expect(Object.keys(role.claim_mappings).sort()).toEqual(["job_id", "pipeline_id", "project_path", "ref", "user_login"]);
  });

  it("4. each read policy grants read on secret/data/<path> only, and no policy name equals a role name", () => {
    const policies = Object.values(resources.vault_policy) as { name: string; policy: string }[];
    for (const { name, policy } of policies) {
      const path = name.split(".").slice(2).join("/");
      expect(policy.match(/^path .*$/gm)).toEqual([`path "secret/data/${path}" {`]);
      expect(policy.match(/capabilities = .*/g)).toEqual(['capabilities = ["read"]']);
      expect(Object.keys(resources.vault_jwt_auth_backend_role)).not.toContain(name);
    }
  });

  it("5. writes the three account secrets in the existing secret/ mount, write-only and never read back", () => {
    for (const name of ["svc-orchestrator", "svc-executor", "svc-deployer"]) {
      const secret = resources.vault_kv_secret_v2[name];
      expect(secret).toMatchObject({ mount: "secret", name: `nexus/${name}`, data_json_wo_version: 1, disable_read: true });
      expect(secret.data_json_wo).toContain(`username = "${name}", password = var.${name.replace(/-/g, "_")}_password`);
      expect(secret).not.toHaveProperty("data_json");
      expect(json.variable[`${name.replace(/-/g, "_")}_password`]).toMatchObject({ sensitive: true, ephemeral: true });
    }
    expect(resources).not.toHaveProperty("vault_mount");
  });

  it("6. svc-deployer has its own read policy, carried by no CI role", () => {
    expect(resources.vault_policy["kv-read_secret_nexus_svc-deployer"].name).toBe("kv-read.secret.nexus.svc-deployer");
    for (const role of Object.values(resources.vault_jwt_auth_backend_role) as { token_policies: string[] }[]) {
      expect(role.token_policies).not.toContain("kv-read.secret.nexus.svc-deployer");
    }
  });

  it("7. sets VAULT_ADDR on group 9: unmasked, unprotected, raw, all environments", () => {
    expect(resources.gitlab_group_variable.VAULT_ADDR).toMatchObject({
      group: "9",
      key: "VAULT_ADDR",
      value: VAULT,
      masked: false,
      protected: false,
      raw: true,
      environment_scope: "*",
    });
  });

  it("8. outputs the auth path, the role with its audience and policies, and every policy name", () => {
    expect(json.output.jwt_auth_path.value).toBe("jwt");
    expect(json.output.ci_roles.value).toEqual({ "nexus-ci": { audiences: [GITLAB], policies: CI_PATHS.map(policyOf) } });
    expect(Object.keys(json.output.read_policies.value)).toEqual([...CI_PATHS, "nexus/svc-deployer"].sort());
  });

  it("uses GitLab-managed state whose address and credentials terraform init reads from TF_HTTP_*, and needs Terraform 1.11", () => {
    // No address in the JSON: nothing from the environment is baked in at synth, and init without TF_HTTP_ADDRESS
    // fails instead of silently using local state.
    expect(json.terraform.backend).toEqual({ http: { lock_method: "POST", unlock_method: "DELETE", retry_wait_min: 5 } });
    expect(json.terraform.required_version).toBe(">= 1.11.0");
  });

});

// The one snapshot of the live data file (its other checks: test/live-data.test.ts). It changes with every access
// change on purpose: read its diff, then accept it with `npm test -- -u`.
describe("access.yaml, the live data file", () => {
  it("synthesizes the reviewed snapshot", () => {
    expect(synthStack(loadConfig(LIVE_FILE))).toMatchSnapshot();
  });
});

describe("variations", () => {
  it("keeps local state at the repository root, outside cdktf.out, only when asked for (--state local)", () => {
    expect(synthStack(defaultConfig(), { kind: "local" }).terraform.backend).toEqual({ local: { path: "../../../terraform.cwiq.tfstate" } });
  });

  it("never puts an address or credential from the environment into the JSON", () => {
    const saved = { ...process.env };
    try {
      Object.assign(process.env, { TF_HTTP_ADDRESS: "https://gitlab.example/api/v4/projects/1/terraform/state/x?private_token=leak-me", TF_HTTP_PASSWORD: "leak-me-too" });
      expect(JSON.stringify(synthStack(defaultConfig()))).not.toMatch(/leak-me|TF_HTTP|private_token/);
    } finally {
      process.env = saved;
    }
  });

  it("creates and protects the KV v2 mount only when the data file asks for it", () => {
    const data = defaultData();
    data.vault.manageKvMount = true;
    const json = synthStack(configFrom(data));
    expect(json.resource.vault_mount.kv).toMatchObject({ path: "secret", type: "kv", options: { version: "2" }, lifecycle: { prevent_destroy: true } });
    expect(json.resource.vault_kv_secret_v2["svc-executor"].mount).toBe("${vault_mount.kv.path}");
    expect(json).not.toHaveProperty("removed");
  });

  it("takes the stack name, and so the state file, from the data file", () => {
    const data = defaultData();
    data.stack = "staging";
    expect(synthStack(configFrom(data), { kind: "local" }).terraform.backend.local.path).toBe("../../../terraform.staging.tfstate");
  });

  it("produces byte-identical JSON when roles, reads, accounts, readers and workloads are reordered, and the lists and maps inside them", () => {
    const data = defaultData();
    data.roles.push({
      name: "release-ci",
      audiences: [GITLAB, "https://vault.shared.cwiq.io"],
      boundClaims: { project_id: "42", ref_protected: "true" },
      reads: [{ path: "release/signing", keys: ["key", "cert"] }],
    });
    const reordered = structuredClone(data);
    const reverseKeys = (record: Record<string, unknown>) => Object.fromEntries(Object.entries(record).reverse());
    reordered.roles.reverse();
    reordered.roles.forEach((r: any) => {
      r.reads.reverse();
      r.reads.forEach((read: any) => read.keys.reverse());
      r.audiences.reverse();
      r.boundClaims = reverseKeys(r.boundClaims);
      r.claimMappings = [...(r.claimMappings ?? ["project_path", "ref", "pipeline_id", "job_id", "user_login"])].reverse();
    });
    data.roles.at(-1).claimMappings = ["project_path", "ref", "pipeline_id", "job_id", "user_login"];
    reordered.accounts.reverse();
    reordered.accounts.forEach((a: any) => {
      a.readers.reverse();
      a.permissions.reverse();
    });
    reordered.workloads.reverse();
    expect(JSON.stringify(reordered)).not.toBe(JSON.stringify(data));
    expect(JSON.stringify(synthStack(configFrom(reordered)))).toBe(JSON.stringify(synthStack(configFrom(data))));
  });
});

/** Every `${...}` template in the synthesized JSON, with where it is. */
function expressions(node: unknown, path = ""): [string, string][] {
  if (typeof node === "string") return node.includes("${") ? [[path, node]] : [];
  if (Array.isArray(node)) return node.flatMap((item, i) => expressions(item, `${path}[${i}]`));
  if (node && typeof node === "object") return Object.entries(node).flatMap(([key, value]) => expressions(value, path ? `${path}.${key}` : key));
  return [];
}

describe("Terraform expressions in the synthesized stack", () => {
  it("parse with HashiCorp's HCL parser (Terraform reads ${...} in JSON as HCL templates)", async () => {
    const found = expressions(synthStack());
    // the role's backend reference, three password writes, three password validations, the account guard's input
    expect(found.length).toBe(8);
    for (const [path, template] of found) {
      // A heredoc is a template like a JSON string value: its text is parsed exactly as Terraform parses the JSON's.
      const parsed = await parseHcl(`${path}.hcl`, `value = <<EOT\n${template}\nEOT\n`).catch((e: Error) => e);
      expect([path, parsed instanceof Error ? parsed.message : "ok"]).toEqual([path, "ok"]);
    }
  });

  it("would catch an expression that is not HCL", async () => {
    await expect(parseHcl("bad.hcl", `value = <<EOT\n\${var.x == undefined ? null : 1 +}\nEOT\n`)).rejects.toBeDefined();
  });
});
