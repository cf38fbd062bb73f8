/**
 * What Vault does with the synthesized stack, applied to a real Vault server through the provider stand-in
 * (test/e2e/support/provider-standin.ts: the Vault API calls terraform-provider-vault v5.6.0 makes, because the module
 * registry refuses the provider itself): logins with GitLab ID tokens signed by the run's OIDC issuer, the token
 * Vault hands out, what it may and may not read, the logins Vault refuses, and drift made by hand.
 */
import { deriveAccess } from "../../lib/model/access";
import { parseDuration } from "../../lib/model/duration";
import { accountSecretPath } from "../../lib/model/naming";
import { startE2e, type E2e } from "./support/e2e";
import type { IdTokenClaims } from "./support/fake-gitlab";
import { driftOf, planStack } from "./support/provider-standin";
import type { VaultApi } from "./support/vault";

let e2e: E2e;
beforeAll(async () => (e2e = await startE2e({ apply: true })));
afterAll(() => e2e?.stop());

const ROLE = "nexus-ci";
const role = () => e2e.config.roles.find((r) => r.name === ROLE)!;
const kv = () => e2e.config.vault.kvMount;
const login = (jwt: string, roleName = ROLE) => e2e.vault.root.withToken(undefined).request("POST", `auth/${e2e.config.vault.jwtMount}/login`, { role: roleName, jwt });
/** A group-9 job's ID token, signed by the issuer Vault trusts. */
const jobToken = (overrides?: Partial<IdTokenClaims>, omit?: string[]) => e2e.gitlab.sign(e2e.gitlab.jobClaims(overrides, omit));
async function loggedIn(): Promise<{ api: VaultApi; auth: any }> {
  const res = await login(jobToken());
  expect([res.status, res.body?.errors]).toEqual([200, undefined]);
  return { api: e2e.vault.root.withToken(res.body.auth.client_token), auth: res.body.auth };
}

describe("the stack, applied", () => {
  it("is what Vault holds: every read-back equals the synthesized values (no drift)", async () => {
    expect(await driftOf(e2e.vault.root, e2e.planned)).toEqual([]);
  });

  it("applies every Vault resource of the stack; only the GitLab variable is left (no GitLab provider here)", () => {
    expect(planStack(e2e.stack, e2e.variables).notApplied).toEqual(["gitlab_group_variable.VAULT_ADDR"]);
    expect(e2e.planned.map((r) => r.address.split(".")[0])).toEqual(expect.arrayContaining(["vault_jwt_auth_backend", "vault_jwt_auth_backend_role", "vault_policy", "vault_kv_secret_v2"]));
  });
});

describe("scenario 2: a group-9 job's ID token logs in as nexus-ci", () => {
  const declaredPolicies = () => deriveAccess(e2e.config).rolePolicies.get(ROLE)!;

  it("gets a token with exactly the role's read policies (no default policy), its TTL and its number of uses", async () => {
    const { auth } = await loggedIn();
    expect(declaredPolicies()).toHaveLength(6);
    expect([...auth.token_policies].sort()).toEqual([...declaredPolicies()].sort());
    expect([...auth.policies].sort()).toEqual([...declaredPolicies()].sort());
    expect(auth.lease_duration).toBe(parseDuration(role().tokenTtl));
    expect(auth.lease_duration).toBe(15 * 60);
    expect(auth.num_uses).toBe(role().tokenNumUses);
    expect(auth.metadata).toMatchObject({ role: ROLE, project_path: "orchestrator/platform", ref: "main", pipeline_id: "1001", job_id: "5001", user_login: "ci-user" });
  });

  it("cannot outlive the role's max TTL (30m): a renewal past it is capped at 30 minutes after issue", async () => {
    const { api, auth } = await loggedIn();
    // The token has no default policy (token_no_default_policy), so it cannot even look itself up or renew itself:
    expect((await api.request("GET", "auth/token/lookup-self")).status).toBe(403);
    expect((await api.request("POST", "auth/token/renew-self", { increment: "2h" })).status).toBe(403);
    // ... so the root token renews it for two hours and looks at what Vault granted.
    const renewed = await e2e.vault.root.must("POST", "auth/token/renew", { token: auth.client_token, increment: "2h" });
    expect(renewed.warnings?.join(" ")).toMatch(/exceeded the effective max_ttl/);
    const looked = (await e2e.vault.root.must("POST", "auth/token/lookup", { token: auth.client_token })).data;
    const lifetime = (Date.parse(looked.expire_time) - Date.parse(looked.issue_time)) / 1000;
    expect(Math.round(lifetime)).toBe(parseDuration(role().tokenMaxTtl));
    expect(Math.round(lifetime)).toBe(30 * 60);
  });

  it("reads every secret the role is granted, with the values Vault holds", async () => {
    const { api } = await loggedIn();
    const paths = deriveAccess(e2e.config).grants.filter((g) => g.readers.includes(ROLE)).map((g) => g.path);
    expect(paths).toHaveLength(6);
    for (const path of paths) {
      const res = await api.request("GET", `${kv()}/data/${path}`);
      expect([path, res.status, res.body?.data?.data]).toEqual([path, 200, e2e.secrets[path]]);
    }
  });

  it("is denied svc-deployer's secret: read, list, write, delete and metadata, and the secret is unchanged", async () => {
    const { api } = await loggedIn();
    const deployer = accountSecretPath("svc-deployer");
    const folder = deployer.slice(0, deployer.lastIndexOf("/"));
    const attempts: [string, string, unknown?][] = [
      ["GET", `${kv()}/data/${deployer}`],
      ["LIST", `${kv()}/metadata/${folder}`],
      ["POST", `${kv()}/data/${deployer}`, { data: { password: "overwritten-by-ci" } }],
      ["DELETE", `${kv()}/data/${deployer}`],
      ["GET", `${kv()}/metadata/${deployer}`],
    ];
    for (const [method, path, body] of attempts) {
      const res = await api.request(method, path, body);
      expect([method, path, res.status]).toEqual([method, path, 403]);
    }
    const stored = await e2e.vault.root.must("GET", `${kv()}/data/${deployer}`);
    expect(stored.data.data).toEqual(e2e.secrets[deployer]);
    expect(stored.data.metadata.version).toBe(1);
  });
});

describe("scenario 3: logins Vault itself refuses", () => {
  // Each case changes one thing of an otherwise valid group-9 job token (the valid one logs in: scenario 2).
  const now = () => Math.floor(Date.now() / 1000);
  const cases: [string, () => string, RegExp][] = [
    ["a job of group 10 (namespace_id 10)", () => jobToken({ namespace_id: "10", namespace_path: "other" }), /claim "namespace_id" does not match any associated bound claim values/],
    ["a project in a subgroup of 9 (namespace_id of the subgroup)", () => jobToken({ namespace_id: "12", namespace_path: "orchestrator/sub", project_path: "orchestrator/sub/tool" }), /claim "namespace_id" does not match/],
    ["no namespace_id claim", () => jobToken({}, ["namespace_id"]), /claim "namespace_id" is missing/],
    ["a wrong audience", () => jobToken({ aud: "https://vault.shared.cwiq.io" }), /audience/],
    ["an expired token", () => jobToken({ iat: now() - 3600, nbf: now() - 3600, exp: now() - 1800 }), /expired|exp/],
    ["a wrong issuer", () => jobToken({ iss: "https://gitlab.example.invalid" }), /issuer|iss/],
    ["a token signed by another key", () => e2e.gitlab.sign(e2e.gitlab.jobClaims(), "unpublished"), /signature|verify|key/],
  ];

  it.each(cases)("%s: HTTP 400, no token", async (_what, token, reason) => {
    const res = await login(token());
    expect(res.status).toBe(400);
    expect(res.body.auth).toBeUndefined();
    expect(res.body.errors.join("; ")).toMatch(reason);
  });
});

describe("scenario 8: drift made by hand", () => {
  it("shows up in the comparison of Vault's read-back with the synthesized values, field by field", async () => {
    const rolePath = `auth/${e2e.config.vault.jwtMount}/role/${ROLE}`;
    const policy = deriveAccess(e2e.config).grants[0].policyName;
    const before = await e2e.vault.root.must("GET", `sys/policies/acl/${policy}`);
    // By hand as an operator would: read the role, change two fields, write it back whole.
    const applied = (await e2e.vault.root.must("GET", rolePath)).data;
    try {
      await e2e.vault.root.must("POST", rolePath, { ...applied, bound_claims: { namespace_id: ["9", "10"] }, token_ttl: 1200 });
      await e2e.vault.root.must("PUT", `sys/policies/acl/${policy}`, { policy: `${before.data.policy}path "${kv()}/data/*" {\n  capabilities = ["read"]\n}\n` });
      const drift = await driftOf(e2e.vault.root, e2e.planned);
      expect(drift).toEqual([
        expect.stringMatching(new RegExp(`^vault_policy\\.[^:]+: policy: Vault has .*secret/data/\\*`)),
        `vault_jwt_auth_backend_role.${ROLE}: bound_claims: Vault has {"namespace_id":"9,10"}, the stack declares {"namespace_id":"9"}`,
        `vault_jwt_auth_backend_role.${ROLE}: token_ttl: Vault has 1200, the stack declares 900`,
      ]);
    } finally {
      // Back to the applied values, so that the other tests of this file see the stack as applied.
      await e2e.vault.root.must("POST", rolePath, applied);
      await e2e.vault.root.must("PUT", `sys/policies/acl/${policy}`, { policy: before.data.policy });
    }
    expect(await driftOf(e2e.vault.root, e2e.planned)).toEqual([]);
  });
});
