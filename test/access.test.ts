// The access report (ACCESS.md) and the access diff, in one file: they share one synthesized stack, and every
// test file loads cdktf again (npm test must stay under 5 s).
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { synthesizeInMemory } from "../lib/synth/synth";
import { describeClaim, formatTtl, renderAccessReport, reportStaleness } from "../lib/review/access-report";
import { diffTerraform, EXIT_ACCESS_WIDENS, EXIT_NO_WIDENING, exitCodeFor, renderAccessDiff, type AccessChange } from "../lib/review/access-diff";
import { parseAccessArgs, readSynthesizedStack, reportOutput } from "../lib/review/access-cli";
import { renderPolicy } from "../lib/model/policy";
import { DEFAULT_FILE, ROOT, configFrom, defaultData, loadFixture, synthStack } from "./support/fixtures";
import { withApplyRole } from "./support/access-json";
import { capabilitiesOn, pathMatches } from "../lib/review/granted-access";

/**
 * What `npm run access` and `npm run access:diff` synthesize (in memory, guardrails included) from the frozen CWIQ
 * data. Whether the committed ACCESS.md is current for the live access.yaml: test/live-data.test.ts.
 */
let BASE: any;
let report: string;
// In beforeAll, not at module or describe scope: jest skips it when Stryker selects none of these tests (docs/development.md,
// Mutation testing), and a mutant that breaks the synth fails these tests instead of the whole file.
beforeAll(() => {
  BASE = synthesizeInMemory(loadFixture(DEFAULT_FILE));
  report = renderAccessReport(BASE);
});
const ROLE = "nexus-ci";
const widening = (line: string): AccessChange => ({ impact: "widening", line });
const narrowing = (line: string): AccessChange => ({ impact: "narrowing", line });
const neutral = (line: string): AccessChange => ({ impact: "neutral", line });

const role = (json: any) => json.resource.vault_jwt_auth_backend_role[ROLE];
/** The default stack with `change` applied to a copy of its JSON. */
function edited(change: (json: any) => void): any {
  const json = structuredClone(BASE);
  change(json);
  return json;
}
const policyText = (json: any, id: string) => json.resource.vault_policy[id];

/** The Markdown section that starts with `heading`, up to the next heading of the same or a higher level. */
const section = (markdown: string, heading: string): string => {
  const start = markdown.indexOf(`${heading}\n`);
  if (start === -1) throw new Error(`no section ${heading}`);
  const level = heading.split(" ")[0];
  const next = markdown.slice(start + heading.length).search(new RegExp(`\\n#{1,${level.length}} `));
  return next === -1 ? markdown.slice(start) : markdown.slice(start, start + heading.length + next);
};

describe("ACCESS.md", () => {
  it("fails the staleness check with the command to run and the first differing line when access changed", () => {
    const problem = reportStaleness(report, renderAccessReport(edited((j) => (role(j).token_max_ttl = 3600))));
    expect(problem).toContain("ACCESS.md is stale");
    expect(problem).toContain("Run `npm run access` and commit ACCESS.md.");
    expect(problem).toMatch(/committed: Tokens: TTL 15m, max TTL 30m, 20 uses;.*\n {2}fresh: {5}Tokens: TTL 15m, max TTL 60m, 20 uses;/);
    expect(reportStaleness(undefined, report)).toContain("does not exist");
  });
});

describe("the access report of the default configuration", () => {
  let nexusCi: string;
  beforeAll(() => {
    nexusCi = section(report, "### `nexus-ci`");
  });

  it("says which tokens can log in to nexus-ci: issuer from the JWT backend, audience, group 9 by id", () => {
    expect(nexusCi).toContain("Log in: `POST /v1/auth/jwt/login` with `role=nexus-ci` (role type `jwt`).");
    expect(nexusCi).toContain("- issued by `https://gitlab.shared.cwiq.io` (bound_issuer of `auth/jwt/`), signed with keys from OIDC discovery at https://gitlab.shared.cwiq.io\n");
    expect(nexusCi).toContain("- its audience (`aud`) includes `https://gitlab.shared.cwiq.io`\n");
    expect(nexusCi).toContain("- CI jobs of projects in group 9 (namespace_id 9; subgroups not included)\n");
  });

  it("gives token lifetimes in minutes, the default policy, user_claim and claim mappings", () => {
    expect(nexusCi).toContain(
      "Tokens: TTL 15m, max TTL 30m, 20 uses; no `default` policy; entity per `project_id` (user_claim); claims copied to token metadata: job_id, pipeline_id, project_path, ref, user_login.",
    );
  });

  it("lists nexus-ci's six paths with capability read and the keys stored there", () => {
    expect(nexusCi).toContain("Grants: `read` on 6 paths, nothing else:");
    const rows = nexusCi.split("\n").filter((line) => line.startsWith("| `secret/"));
    expect(rows).toEqual([
      "| `secret/data/defectdojo/svc-orchestrator` | read | token | `kv-read.secret.defectdojo.svc-orchestrator` |",
      "| `secret/data/nexus/svc-executor` | read | password, username | `kv-read.secret.nexus.svc-executor` |",
      "| `secret/data/nexus/svc-orchestrator` | read | password, username | `kv-read.secret.nexus.svc-orchestrator` |",
      "| `secret/data/orchestrator/e2e-test-user` | read | password, username | `kv-read.secret.orchestrator.e2e-test-user` |",
      "| `secret/data/reportportal/svc-orchestrator` | read | api_key | `kv-read.secret.reportportal.svc-orchestrator` |",
      "| `secret/data/sonarqube/svc-orchestrator` | read | token, url | `kv-read.secret.sonarqube.svc-orchestrator` |",
    ]);
  });

  it("says who can read each secret, naming the workloads behind a policy no role carries", () => {
    const secrets = section(report, "## Secrets: who can read each");
    const row = (path: string) => secrets.split("\n").find((line) => line.startsWith(`| \`${path}\``));
    expect(row("secret/data/nexus/svc-deployer")).toMatch(
      /^\| `secret\/data\/nexus\/svc-deployer` \| password, username \| no CI role; policy `kv-read\.secret\.nexus\.svc-deployer` for workloads: ec2-deploy, kubernetes \| yes, write-only \(version 1\); nexus_permissions: docker:read;/,
    );
    expect(row("secret/data/nexus/svc-executor")).toMatch(/^\| `secret\/data\/nexus\/svc-executor` \| password, username \| `nexus-ci` \| yes, write-only/);
    expect(row("secret/data/sonarqube/svc-orchestrator")).toBe("| `secret/data/sonarqube/svc-orchestrator` | token, url | `nexus-ci` | no (written outside this configuration) |");
  });

  it("lists the GitLab variables with value, owner, flags and scope", () => {
    expect(section(report, "## GitLab CI/CD variables")).toContain(
      "| `VAULT_ADDR` | `https://vault.shared.cwiq.io` | group 9 | no | no (every pipeline, merge requests too) | yes (no `$` expansion) | all (`*`) |",
    );
  });

  it("is deterministic: no timestamp, no file path, and the same for the JSON's keys in any order", () => {
    expect(report).not.toContain(ROOT);
    expect(report).not.toMatch(/20\d\d-\d\d-\d\d|\d\d:\d\d:\d\d/);
    const reversed = (value: unknown): unknown =>
      Array.isArray(value) ? value.map(reversed) : value && typeof value === "object" ? Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reversed(v)])) : value;
    expect(renderAccessReport(reversed(BASE) as typeof BASE)).toBe(report);
  });

  it("reads the synthesized JSON, not the data file: a lifetime changed in the JSON only shows up", () => {
    expect(renderAccessReport(edited((j) => (role(j).token_max_ttl = 7200)))).toContain("Tokens: TTL 15m, max TTL 120m, 20 uses;");
  });
});

describe("roles that are not plain read", () => {
  let applyReport: string;
  let cwiqApply: string;
  beforeAll(() => {
    applyReport = renderAccessReport(withApplyRole(BASE));
    cwiqApply = section(applyReport, "### `fixture-apply`");
  });

  it("describes project and protected-ref bindings in words", () => {
    expect(cwiqApply).toContain("- CI jobs of project 42\n");
    expect(cwiqApply).toContain("- on protected branches/tags only\n");
  });

  it("lists every capability path by path", () => {
    expect(cwiqApply).toContain("Grants: **not read-only**, every capability path by path:");
    expect(cwiqApply.split("\n").filter((line) => line.startsWith("| `"))).toEqual([
      "| `secret/data/nexus/*` | create, update | — | `fixture-apply` |",
      "| `sys/policies/acl/*` | create, delete, read, update | — | `fixture-apply` |",
    ]);
  });

  it("shows, on each secret a glob reaches, what else the role may do there", () => {
    expect(section(applyReport, "## Secrets: who can read each")).toContain("| `secret/data/nexus/svc-executor` | password, username | `nexus-ci`; also: `fixture-apply` (create, update) |");
  });

  it("prints a policy that is not plain path blocks in full", () => {
    const json = withApplyRole(BASE);
    const odd = 'path "secret/data/x" {\n  capabilities = ["read"]\n  allowed_parameters = { "*" = [] }\n}\n';
    json.resource.vault_policy["fixture-apply"].policy = odd;
    const text = renderAccessReport(json);
    expect(section(text, "### `fixture-apply`")).toContain("- Its tokens carry `fixture-apply`, whose text is not plain path blocks: read it in full below.");
    expect(section(text, "## Policies that are not plain path blocks")).toContain(`\`\`\`hcl\n${odd.trimEnd()}\n\`\`\``);
  });
});

describe("policy paths on a concrete secret", () => {
  it("matches + to exactly one segment and a trailing * to any suffix, and nothing else as a pattern", () => {
    expect(pathMatches("secret/data/nexus/+", "secret/data/nexus/svc-a")).toBe(true);
    expect(pathMatches("secret/data/nexus/+", "secret/data/nexus/a/b")).toBe(false);
    expect(pathMatches("secret/data/nexus/+", "secret/data/nexus/")).toBe(false);
    expect(pathMatches("secret/data/+/svc-a", "secret/data/nexus/svc-a")).toBe(true);
    expect(pathMatches("secret/data/*", "secret/data/a/b")).toBe(true);
    expect(pathMatches("secret/data/a", "secret/data/a/b")).toBe(false);
    expect(pathMatches("secret/data/a.b", "secret/data/axb")).toBe(false);
  });

  it("unions the capabilities of every matching path, and deny wins", () => {
    const grants = [
      { path: "secret/data/nexus/*", capabilities: ["create", "update"], policies: ["a"] },
      { path: "secret/data/nexus/svc-a", capabilities: ["read"], policies: ["b"] },
    ];
    expect(capabilitiesOn(grants, "secret/data/nexus/svc-a")).toEqual(["create", "read", "update"]);
    expect(capabilitiesOn([...grants, { path: "secret/data/+/svc-a", capabilities: ["deny"], policies: ["c"] }], "secret/data/nexus/svc-a")).toEqual(["deny"]);
    expect(capabilitiesOn(grants, "secret/data/other")).toEqual([]);
  });
});

describe("claims and lifetimes in words", () => {
  it("puts the usual GitLab claims in words", () => {
    expect(describeClaim({ claim: "namespace_id", values: ["9"] })).toBe("CI jobs of projects in group 9 (namespace_id 9; subgroups not included)");
    expect(describeClaim({ claim: "project_id", values: ["42", "43"] })).toBe("CI jobs of projects 42 or 43");
    expect(describeClaim({ claim: "ref_protected", values: ["true"] })).toBe("on protected branches/tags only");
    expect(describeClaim({ claim: "ref_type", values: ["tag"] })).toBe("on tags only");
    expect(describeClaim({ claim: "ref", values: ["main"] })).toBe('on ref "main"');
    expect(describeClaim({ claim: "project_path", values: ["orchestrator/app"] })).toBe('whose project_path is "orchestrator/app" (a path: can be renamed and then reused by someone else)');
    expect(describeClaim({ claim: "pipeline_source", values: ["push"] })).toBe('in pipelines whose source is "push"');
  });

  it("flags glob patterns when claims are compared as globs", () => {
    expect(describeClaim({ claim: "project_path", values: ["orchestrator/*"] }, "glob")).toBe('whose project_path claim matches the glob pattern "orchestrator/*"');
  });

  it("gives lifetimes in minutes and says what unset means", () => {
    expect(formatTtl(900)).toBe("15m");
    expect(formatTtl(3600)).toBe("60m");
    expect(formatTtl(90)).toBe("90s");
    expect(formatTtl(undefined)).toBe("unset (Vault's default, 32 days unless tuned)");
  });
});

describe("the access diff between two configurations", () => {
  // One path added (a new account nexus-ci reads), one removed (defectdojo), and a longer max TTL.
  const data = defaultData();
  data.accounts.push({ name: "svc-datastore", permissions: ["docker:read-write"], usedBy: "datastore CI image builds", readers: [ROLE] });
  data.roles[0].reads = data.roles[0].reads.filter((read: { path: string }) => read.path !== "defectdojo/svc-orchestrator");
  data.roles[0].tokenMaxTtl = "60m";
  let changes: AccessChange[];
  beforeAll(() => {
    changes = diffTerraform(BASE, synthStack(configFrom(data)));
  });

  it("names the added path, the removed path and the TTL change in words, each classified", () => {
    expect(changes).toEqual([
      widening("~ nexus-ci token_max_ttl 30m -> 60m (wider)"),
      widening("+ nexus-ci may now read secret/data/nexus/svc-datastore"),
      narrowing("- nexus-ci may no longer read secret/data/defectdojo/svc-orchestrator"),
      neutral("+ secret secret/data/nexus/svc-datastore is now written by this configuration (keys password, username)"),
    ]);
  });

  it("renders a merge-request note that leads with the widening and signals it by exit code", () => {
    const note = renderAccessDiff(changes, "main (abc)");
    expect(note).toContain("## Access change against `main (abc)`\n\n**Access widens: 2 changes need a security owner's approval.** 1 narrowing, 1 neutral.");
    expect(note).toContain("### Widening (2)\n\n```diff\n~ nexus-ci token_max_ttl 30m -> 60m (wider)\n+ nexus-ci may now read secret/data/nexus/svc-datastore\n```");
    expect(note).toContain("### Narrowing (1)\n\n```diff\n- nexus-ci may no longer read secret/data/defectdojo/svc-orchestrator\n```");
    expect(exitCodeFor(changes)).toBe(EXIT_ACCESS_WIDENS);
  });

  it("finds no change between identical configurations, and exits 0", () => {
    const same = diffTerraform(BASE, synthStack());
    expect(same).toEqual([]);
    expect(renderAccessDiff(same, "main")).toBe("## Access change against `main`\n\nNo access change: both configurations grant exactly the same.\n");
    expect(exitCodeFor(same)).toBe(EXIT_NO_WIDENING);
  });

  it("exits 0 when access only narrows: a shorter token life and a path fewer", () => {
    const only = diffTerraform(
      BASE,
      edited((j) => {
        role(j).token_max_ttl = 1200;
        role(j).token_policies = role(j).token_policies.filter((p: string) => p !== "kv-read.secret.reportportal.svc-orchestrator");
        delete j.resource.vault_policy["kv-read_secret_reportportal_svc-orchestrator"];
      }),
    );
    expect(only).toEqual([
      narrowing("~ nexus-ci token_max_ttl 30m -> 20m (narrower)"),
      narrowing("- nexus-ci may no longer read secret/data/reportportal/svc-orchestrator"),
    ]);
    expect(renderAccessDiff(only, "main")).toContain("**No widening.** 2 narrowing, 0 neutral.");
    expect(exitCodeFor(only)).toBe(EXIT_NO_WIDENING);
  });
});

describe("classifying each kind of change", () => {
  const cases: [string, (json: any) => void, AccessChange[]][] = [
    ["an added audience widens", (j) => role(j).bound_audiences.push("https://vault.shared.cwiq.io"), [widening("+ nexus-ci now also accepts audience https://vault.shared.cwiq.io")]],
    ["no audience at all widens", (j) => (role(j).bound_audiences = []), [widening("- nexus-ci no longer checks the audience: any audience is accepted")]],
    ["a removed bound claim widens", (j) => delete role(j).bound_claims.namespace_id, [widening("- nexus-ci no longer requires namespace_id 9: CI jobs of projects in group 9 (namespace_id 9; subgroups not included) (bound claim removed)")]],
    ["an added bound claim narrows", (j) => (role(j).bound_claims.ref_protected = "true"), [narrowing("+ nexus-ci now also requires ref_protected true: on protected branches/tags only")]],
    ["another bound-claim value widens (other jobs get in)", (j) => (role(j).bound_claims.namespace_id = "10"), [widening("~ nexus-ci bound claim namespace_id 9 -> 10 (wider: CI jobs of projects in group 10 (namespace_id 10; subgroups not included))")]],
    ["an extra comma-separated alternative widens", (j) => (role(j).bound_claims.namespace_id = "9,12"), [widening("~ nexus-ci bound claim namespace_id 9 -> 12,9 (wider: CI jobs of projects in groups 12 or 9 (namespace_id 12 or 9; subgroups not included))")]],
    ["glob claims widen", (j) => (role(j).bound_claims_type = "glob"), [widening("~ nexus-ci bound_claims_type string -> glob (wider)")]],
    ["a shorter TTL narrows", (j) => (role(j).token_ttl = 600), [narrowing("~ nexus-ci token_ttl 15m -> 10m (narrower)")]],
    ["an unset max TTL (Vault's default) widens", (j) => delete role(j).token_max_ttl, [widening("~ nexus-ci token_max_ttl 30m -> unset (Vault's default, 32 days unless tuned) (wider)")]],
    ["a token period widens", (j) => (role(j).token_period = 3600), [widening("~ nexus-ci token_period none -> 60m (wider)")]],
    ["the default policy widens", (j) => (role(j).token_no_default_policy = false), [widening("+ nexus-ci tokens now also carry Vault's default policy")]],
    ["another user_claim widens (the entity, its groups and the audit trail follow it)", (j) => (role(j).user_claim = "user_id"), [widening("~ nexus-ci user_claim project_id -> user_id (wider: the Vault entity, its groups and the audit trail follow this claim)")]],
    ["another role type widens", (j) => (role(j).role_type = "oidc"), [widening("~ nexus-ci role_type jwt -> oidc (wider: a different login flow)")]],
    [
      "an added capability widens",
      (j) => (policyText(j, "kv-read_secret_nexus_svc-executor").policy = renderPolicy("x", [{ path: "secret/data/nexus/svc-executor", capabilities: ["read", "list"] }])),
      [widening("+ nexus-ci may now also list secret/data/nexus/svc-executor (had read)")],
    ],
    [
      "a deny narrows",
      (j) => (policyText(j, "kv-read_secret_nexus_svc-executor").policy = renderPolicy("x", [{ path: "secret/data/nexus/svc-executor", capabilities: ["deny"] }])),
      [narrowing("+ nexus-ci is now denied secret/data/nexus/svc-executor (had read)")],
    ],
    [
      "a changed policy that is not plain path blocks counts as widening",
      (j) => (policyText(j, "kv-read_secret_nexus_svc-executor").policy = 'path "secret/data/nexus/svc-executor" {\n  capabilities = ["read"]\n  allowed_parameters = {}\n}\n'),
      [
        widening("~ nexus-ci carries policy kv-read.secret.nexus.svc-executor, which is not plain path blocks and is new or changed: read it in ACCESS.md (counted as wider)"),
        narrowing("- nexus-ci may no longer read secret/data/nexus/svc-executor"),
      ],
    ],
    [
      "another issuer widens",
      (j) => (j.resource.vault_jwt_auth_backend.jwt.bound_issuer = "https://gitlab.com"),
      [widening("~ auth/jwt/ bound_issuer https://gitlab.shared.cwiq.io -> https://gitlab.com (wider: tokens of this issuer log in to roles nexus-ci)")],
    ],
    [
      "a policy no role carries widens its holders (workloads)",
      (j) => (policyText(j, "kv-read_secret_nexus_svc-deployer").policy = renderPolicy("x", [{ path: "secret/data/nexus/+", capabilities: ["read"] }])),
      [
        widening("+ holders of policy kv-read.secret.nexus.svc-deployer (no CI role; for workloads: ec2-deploy, kubernetes) may now read secret/data/nexus/+"),
        narrowing("- holders of policy kv-read.secret.nexus.svc-deployer (no CI role; for workloads: ec2-deploy, kubernetes) may no longer read secret/data/nexus/svc-deployer"),
      ],
    ],
    [
      "another VAULT_ADDR widens: jobs send their tokens there",
      (j) => (j.resource.gitlab_group_variable.VAULT_ADDR.value = "https://vault.example.com"),
      [widening("~ VAULT_ADDR on group 9 value https://vault.shared.cwiq.io -> https://vault.example.com (wider: CI jobs send their ID tokens to this address)")],
    ],
    ["a protected variable narrows", (j) => (j.resource.gitlab_group_variable.VAULT_ADDR.protected = true), [narrowing("~ VAULT_ADDR on group 9 protected false -> true (narrower: protected branches/tags only)")]],
    ["a variable description is neutral", (j) => (j.resource.gitlab_group_variable.VAULT_ADDR.description = "other"), [neutral("~ VAULT_ADDR on group 9 description changed (neutral)")]],
    ["a password rotation is neutral", (j) => (j.resource.vault_kv_secret_v2["svc-executor"].data_json_wo_version = 2), [neutral("~ secret secret/data/nexus/svc-executor version 1 -> 2 (neutral: a new password is written)")]],
  ];

  it.each(cases)("%s", (_name, change, expected) => {
    expect(diffTerraform(BASE, edited(change))).toEqual(expected);
  });

  it("a removed role narrows, and its policies, left to no role, are noted as neutral", () => {
    const changes = diffTerraform(BASE, edited((j) => delete j.resource.vault_jwt_auth_backend_role[ROLE]));
    expect(changes[0]).toEqual(narrowing("- role nexus-ci removed: no token logs in to it any more (it could use 6 paths)"));
    expect(changes.slice(1)).toContainEqual(neutral("~ policy kv-read.secret.nexus.svc-executor carried by nexus-ci -> no role (neutral: the role's own lines above say what it loses)"));
    expect(changes.slice(1).map((c) => c.impact)).toEqual(Array(6).fill("neutral"));
  });

  it("a new role widens and lists everything it may do, capability by capability", () => {
    expect(diffTerraform(BASE, withApplyRole(BASE))).toEqual([
      widening(
        "+ new role fixture-apply at auth/jwt/ (role type jwt): issuer https://gitlab.shared.cwiq.io; audience https://gitlab.shared.cwiq.io; CI jobs of project 42; on protected branches/tags only; TTL 15m, max TTL 30m",
      ),
      widening("+ fixture-apply may now create, update secret/data/nexus/*"),
      widening("+ fixture-apply may now create, delete, read, update sys/policies/acl/*"),
    ]);
  });
});

describe("npm run access:diff (in-process)", () => {
  it("reads --json from a cdk.tf.json file, its folder or a cdktf.out folder", () => {
    const dir = mkdtempSync(join(tmpdir(), "access-base-"));
    mkdirSync(join(dir, "cdktf.out", "stacks", "cwiq"), { recursive: true });
    writeFileSync(join(dir, "cdktf.out", "stacks", "cwiq", "cdk.tf.json"), JSON.stringify(BASE));
    for (const path of [dir, join(dir, "cdktf.out"), join(dir, "cdktf.out", "stacks", "cwiq"), join(dir, "cdktf.out", "stacks", "cwiq", "cdk.tf.json")]) {
      expect(readSynthesizedStack(path, "cwiq")).toEqual(BASE);
    }
  });

  it("rejects a --json path that is not a synthesized stack (the base is a git revision only: test/access-diff-base.test.ts)", () => {
    const dir = mkdtempSync(join(tmpdir(), "access-empty-"));
    expect(() => readSynthesizedStack(dir)).toThrow("holds no cdk.tf.json, stacks/<stack>/cdk.tf.json or cdktf.out/stacks/<stack>/cdk.tf.json");
    writeFileSync(join(dir, "cdk.tf.json"), "[]");
    expect(() => readSynthesizedStack(dir)).toThrow('not a synthesized stack (no "terraform" or "resource" block)');
  });

  it("takes one base and --config or --json; the report writes ACCESS.md only for the default data file", () => {
    expect(parseAccessArgs(["main", "--config", "staging.yaml"], "access:diff")).toEqual({ base: "main", config: "staging.yaml" });
    expect(() => parseAccessArgs([], "access:diff")).toThrow("give exactly one base");
    expect(() => parseAccessArgs(["a", "--out", "x"], "access:diff")).toThrow('unknown option "--out"');
    expect(() => parseAccessArgs(["--config=a.yaml", "--json", "b"], "access")).toThrow("give --config or --json, not both");
    expect(reportOutput(parseAccessArgs([], "access"), {})).toBe("ACCESS.md");
    expect(reportOutput(parseAccessArgs(["--config", "staging.yaml"], "access"), {})).toBeUndefined();
    expect(reportOutput(parseAccessArgs(["--config", "staging.yaml", "--out", "STAGING.md"], "access"), {})).toBe("STAGING.md");
    expect(reportOutput(parseAccessArgs(["--out", "-"], "access"), {})).toBeUndefined();
  });
});

describe("changes the access diff does not model (every structural difference is accounted for)", () => {
  const unclassified = (line: string): AccessChange => ({ impact: "unclassified", line });
  const secret = (json: any) => json.resource.vault_kv_secret_v2["svc-executor"];
  const backend = (json: any) => json.resource.vault_jwt_auth_backend.jwt;
  /** The note and exit code of `npm run access:diff` against BASE, for a head stack edited by `change`. */
  const verdict = (change: (json: any) => void) => {
    const changes = diffTerraform(BASE, edited(change));
    return { changes, note: renderAccessDiff(changes, "main"), exitCode: exitCodeFor(changes) };
  };

  it("lists an unmodelled role attribute under its own heading, names address and attribute, and exits with the widening code", () => {
    const { changes, note, exitCode } = verdict((j) => (role(j).bound_subject = "project_path:orchestrator/app:ref_type:branch:ref:main"));
    expect(changes).toEqual([unclassified("~ vault_jwt_auth_backend_role.nexus-ci bound_subject changed: not modelled by the access diff")]);
    expect(exitCode).toBe(EXIT_ACCESS_WIDENS);
    expect(note).toContain("**Access may widen: 1 change that the access diff cannot classify needs a security owner's approval.** 0 narrowing, 0 neutral.");
    expect(note).toContain("### Changes the access diff cannot classify (1)\n\nThe synthesized Terraform differs here");
    expect(note).toContain("```diff\n~ vault_jwt_auth_backend_role.nexus-ci bound_subject changed: not modelled by the access diff\n```");
    expect(note).not.toContain("No access change");
    expect(note).not.toContain("project_path:orchestrator/app"); // names, never values
  });

  it("lists a new Vault resource of a type it does not model, with what it sets, and exits with the widening code", () => {
    const { changes, exitCode } = verdict((j) => (j.resource.vault_identity_group = { admins: { name: "admins", type: "internal", policies: ["root"] } }));
    expect(changes).toEqual([unclassified("+ vault_identity_group.admins: new resource of type vault_identity_group, which the access diff does not model (sets name, policies, type)")]);
    expect(exitCode).toBe(EXIT_ACCESS_WIDENS);
  });

  it("lists a KV secret's disable_read flipped to false (values would be read into state and plans), and exits with the widening code", () => {
    const { changes, exitCode } = verdict((j) => (secret(j).disable_read = false));
    expect(changes).toEqual([unclassified("~ vault_kv_secret_v2.svc-executor disable_read true -> false changed: not modelled by the access diff")]);
    expect(exitCode).toBe(EXIT_ACCESS_WIDENS);
  });

  const cases: [string, (json: any) => void, AccessChange[]][] = [
    ["role attributes", (j) => Object.assign(role(j), { expiration_leeway: 3600, token_type: "batch", groups_claim: "groups" }), [unclassified("~ vault_jwt_auth_backend_role.nexus-ci expiration_leeway (unset) -> 3600, groups_claim, token_type changed: not modelled by the access diff")]],
    ["auth backend attributes", (j) => Object.assign(backend(j), { oidc_discovery_ca_pem: "-----BEGIN CERTIFICATE-----", tune: [{ default_lease_ttl: "768h" }] }), [unclassified("~ vault_jwt_auth_backend.jwt oidc_discovery_ca_pem, tune changed: not modelled by the access diff")]],
    ["the auth method's type and lifecycle", (j) => Object.assign(backend(j), { type: "oidc", lifecycle: {} }), [unclassified("~ vault_jwt_auth_backend.jwt lifecycle, type changed: not modelled by the access diff")]],
    ["an AppRole role", (j) => (j.resource.vault_approle_auth_backend_role = { deploy: { role_name: "deploy", token_policies: ["kv-read.secret.nexus.svc-orchestrator"] } }), [unclassified("+ vault_approle_auth_backend_role.deploy: new resource of type vault_approle_auth_backend_role, which the access diff does not model (sets role_name, token_policies)")]],
    ["a generic endpoint", (j) => (j.resource.vault_generic_endpoint = { token_role: { path: "auth/token/roles/ci", data_json: "{}" } }), [unclassified("+ vault_generic_endpoint.token_role: new resource of type vault_generic_endpoint, which the access diff does not model (sets data_json, path)")]],
    ["a data source", (j) => (j.data = { vault_kv_secret_v2: { read: { mount: "secret", name: "nexus/svc-executor" } } }), [unclassified("+ data.vault_kv_secret_v2.read: new data source vault_kv_secret_v2, which the access diff does not model (sets mount, name)")]],
    ["a plaintext data_json", (j) => (secret(j).data_json = '{"password":"hunter2hunter2hunter2"}'), [unclassified("~ vault_kv_secret_v2.svc-executor data_json changed: not modelled by the access diff")]],
    ["a secret no longer protected from destroy", (j) => delete secret(j).lifecycle, [unclassified("~ vault_kv_secret_v2.svc-executor lifecycle changed: not modelled by the access diff")]],
    ["a provider setting", (j) => (j.provider.vault[0].skip_child_token = true), [unclassified("~ provider vault.0.skip_child_token (unset) -> true changed: not modelled by the access diff")]],
    ["another provider source", (j) => (j.terraform.required_providers.vault.source = "example/vault"), [unclassified("~ terraform required_providers changed: not modelled by the access diff")]],
    ["a default on a password variable", (j) => (j.variable.svc_executor_password.default = "hunter2hunter2hunter2"), [unclassified("~ var.svc_executor_password default changed: not modelled by the access diff")]],
  ];

  it.each(cases)("lists %s, and exits with the widening code", (_name, change, expected) => {
    const { changes, exitCode } = verdict(change);
    expect(changes).toEqual(expected);
    expect(exitCode).toBe(EXIT_ACCESS_WIDENS);
  });

  it("lists static signing keys swapped for others (the key source is read as a count only)", () => {
    const keys = (k: string) => edited((j) => (backend(j).jwt_validation_pubkeys = [k]));
    expect(diffTerraform(keys("key-a"), keys("key-b"))).toEqual([unclassified("~ vault_jwt_auth_backend.jwt jwt_validation_pubkeys changed: not modelled by the access diff")]);
  });

  it("lists a removed resource of a type it does not model", () => {
    const base = edited((j) => (j.resource.vault_audit = { file: { type: "file", options: { file_path: "/var/log/vault_audit.log" } } }));
    expect(diffTerraform(base, BASE)).toEqual([unclassified("- vault_audit.file removed: a resource of type vault_audit, which the access diff does not model")]);
  });

  it("checks a new secret for what this stack always sets: disable_read and prevent_destroy, no plaintext value", () => {
    const added = (edit: (s: any) => void) =>
      diffTerraform(
        BASE,
        edited((j) => {
          const copy = structuredClone(secret(j));
          copy.name = "nexus/svc-new";
          edit(copy);
          j.resource.vault_kv_secret_v2["svc-new"] = copy;
        }),
      ).filter((c) => c.impact === "unclassified");
    expect(added(() => {})).toEqual([]);
    expect(added((s) => (s.disable_read = false))).toEqual([unclassified('+ vault_kv_secret_v2.svc-new is new with disable_read is not true (set otherwise): not modelled by the access diff')]);
    expect(added((s) => (delete s.disable_read, delete s.lifecycle, (s.data_json = "{}")))).toEqual([
      unclassified('+ vault_kv_secret_v2.svc-new is new with data_json, disable_read is not true (unset), lifecycle is not {"prevent_destroy":true,"ignore_changes":["custom_metadata","disable_read","delete_all_versions","cas","options"]} (unset): not modelled by the access diff'),
    ]);
  });

  it("keeps what is known to be neutral neutral: a description, custom metadata, the state backend", () => {
    expect(diffTerraform(BASE, edited((j) => (backend(j).description = "other")))).toEqual([neutral("~ vault_jwt_auth_backend.jwt description changed (neutral: documentation)")]);
    expect(diffTerraform(BASE, edited((j) => (secret(j).custom_metadata.max_versions = 20)))).toEqual([
      neutral("~ vault_kv_secret_v2.svc-executor custom_metadata.max_versions changed (neutral: secret metadata (versions kept, check-and-set), no one's access)"),
    ]);
    const http = verdict((j) => (j.terraform.backend = { http: { address: "https://gitlab.shared.cwiq.io/api/v4/projects/1/terraform/state/cwiq" } }));
    expect(http.changes).toEqual([neutral("~ terraform backend changed (neutral: where Terraform keeps its state, which holds no secret value)")]);
    expect(http.exitCode).toBe(EXIT_NO_WIDENING);
  });

  it("never says 'no access change' when the Terraform differs: an output alone, a reordered audience list", () => {
    const output = verdict((j) => (j.output.jwt_auth_path.description = "other"));
    expect(output.changes).toEqual([neutral("~ output.jwt_auth_path description changed (neutral: the access read from the Terraform is the same on both sides)")]);
    expect(output.note).not.toContain("No access change");
    expect(output.exitCode).toBe(EXIT_NO_WIDENING);
    const base = edited((j) => (role(j).bound_audiences = ["https://a.example", "https://b.example"]));
    expect(diffTerraform(base, edited((j) => (role(j).bound_audiences = ["https://b.example", "https://a.example"])))).toEqual([
      neutral("~ vault_jwt_auth_backend_role.nexus-ci bound_audiences changed (neutral: the access read from the Terraform is the same on both sides)"),
    ]);
  });

  it("counts unclassified changes with the widenings in the summary", () => {
    const changes = diffTerraform(BASE, edited((j) => ((role(j).token_max_ttl = 3600), (role(j).token_type = "batch"))));
    expect(changes).toEqual([widening("~ nexus-ci token_max_ttl 30m -> 60m (wider)"), unclassified("~ vault_jwt_auth_backend_role.nexus-ci token_type changed: not modelled by the access diff")]);
    expect(renderAccessDiff(changes, "main")).toContain("**Access widens: 2 changes need a security owner's approval (1 of them the access diff cannot classify).** 0 narrowing, 0 neutral.");
  });
});
