/**
 * Every problem in one run (issue 13): when the data file does not validate, the guardrails still check what parsed
 * (lib/model/salvage.ts), and each finding is reported at its place in the file as written.
 */
import { stringify } from "yaml";
import { ConfigError, parseDataFile } from "../lib/model/config";
import { salvage } from "../lib/model/salvage";
import { describeError } from "../lib/synth/cli";
import { defaultData, trustFor } from "./support/data";

/** The lines synth prints for `data` written as YAML (the data must be refused by the schema). */
function refusal(data: unknown): { head: string; lines: string[] } {
  let error: unknown;
  try {
    parseDataFile(stringify(data), "access.yaml", trustFor());
  } catch (e) {
    error = e;
  }
  if (!(error instanceof ConfigError)) throw new Error(`expected a ConfigError, got ${String(error)}`);
  const [head, ...lines] = (describeError(error) ?? "").split("\n");
  return { head, lines };
}

/** The role as the old wiki page describes nexus-ci: no audience, no id binding, a glob, 24-hour tokens, sub, KV paths in API form. */
function wikiRole(): Record<string, unknown> {
  return {
    name: "nexus-ci",
    boundClaims: { project_path: "orchestrator/*" },
    boundClaimsType: "glob",
    userClaim: "sub",
    tokenTtl: "24h",
    tokenMaxTtl: "24h",
    tokenNumUses: 0,
    reads: [
      { path: "nexus/svc-orchestrator", keys: ["username", "password"] },
      { path: "secret/data/sonarqube/svc-orchestrator", keys: ["token", "url"] },
    ],
  };
}

describe("the rule pack runs on whatever parsed", () => {
  it("reports the wiki's old role with every schema problem and every guardrail violation at once, each at its line", () => {
    const data = defaultData();
    data.roles = [wikiRole()];
    const { head, lines } = refusal(data);
    expect(head).toBe(
      "synth refused: access.yaml is not valid (4 problems; the guardrails found 7 more violations in the rest of the file); nothing was written.",
    );
    const ids = lines.map((line) => line.split(" ")[0]);
    // The schema's four: the missing audience does not hide the missing id binding, nor the cross-field check of reads.
    expect(lines.slice(0, 4)).toEqual([
      expect.stringMatching(/^access\.yaml:\d+:\d+: roles\[0\] \(missing\)|^access\.yaml:\d+:\d+: roles\[0\]\.audiences \(missing\): is required/),
      expect.stringMatching(/^access\.yaml:\d+:\d+: roles\[0\]\.boundClaims: .*must bind namespace_id or project_id/),
      expect.stringMatching(/^access\.yaml:\d+:\d+: roles\[0\]\.tokenNumUses: 0: must be a positive number/),
      expect.stringMatching(/^access\.yaml:\d+:\d+: roles\[0\]\.reads\[0\]\.path: "nexus\/svc-orchestrator": is a service account's secret/),
    ]);
    // And the guardrails' seven, which the schema alone never reached.
    expect(ids.slice(4).sort()).toEqual(["JWT-005", "JWT-006", "JWT-007", "JWT-009", "POL-009", "TRUST-004", "TRUST-004"]);
    expect(lines.find((l) => l.startsWith("POL-009"))).toMatch(
      /^POL-009 access\.yaml:\d+:\d+: roles\[0\]\.reads\[1\]\.path: .*did you mean "sonarqube\/svc-orchestrator"/,
    );
    // A finding on the synthesized stack says which entry of the data file it comes from, and where that is.
    expect(lines.find((l) => l.startsWith("JWT-007"))).toMatch(
      /^JWT-007 cdktf\.out\/stacks\/cwiq\/cdk\.tf\.json:vault_jwt_auth_backend_role\.nexus-ci\.user_claim: .*; from roles\[0\] at access\.yaml:\d+:\d+ \(fix: /,
    );
  });

  it("never reports a repaired field twice: tokenNumUses 0 is the schema's problem, not also JWT-010's", () => {
    const data = defaultData();
    data.roles[0].tokenNumUses = 0;
    data.roles[0].userClaim = "sub";
    const { lines } = refusal(data);
    expect(lines.map((l) => l.split(" ")[0])).toEqual([expect.stringMatching(/^access\.yaml:/), "JWT-007"]);
  });

  it("reports a finding after a list item that did not parse at the item's index in the file, not in the repaired copy", () => {
    const data = defaultData();
    data.roles[0].reads[0].path = "sonarqube/*";
    data.roles[0].reads[2].path = "secret/data/orchestrator/e2e-test-user";
    const { lines } = refusal(data);
    expect(lines).toEqual([
      expect.stringMatching(/^access\.yaml:\d+:\d+: roles\[0\]\.reads\[0\]\.path: "sonarqube\/\*": must be lower-case segments/),
      expect.stringMatching(/^POL-009 access\.yaml:\d+:\d+: roles\[0\]\.reads\[2\]\.path: "secret\/data\/orchestrator\/e2e-test-user"/),
    ]);
  });

  it("reports a typo and the guardrails' findings together (the unknown field is left out of the check)", () => {
    const data = defaultData();
    data.roles[0].tokenTTL = "24h";
    data.roles[0].boundClaimsType = "glob";
    const { lines } = refusal(data);
    expect(lines).toEqual([expect.stringMatching(/roles\[0\]: unknown field\(s\) tokenTTL \(did you mean tokenTtl\?\)/), expect.stringMatching(/^JWT-005 /)]);
  });

  it("names an entry it could not check at all, and says nothing about the stand-in it checked instead", () => {
    const data = defaultData();
    data.accounts[1] = "svc-executor";
    data.roles[0].userClaim = "sub";
    const { lines } = refusal(data);
    expect(lines.filter((l) => l.startsWith("access.yaml:"))).toEqual([expect.stringMatching(/^access\.yaml:\d+:\d+: accounts\[1\]: "svc-executor": /)]);
    expect(lines.filter((l) => !l.startsWith("access.yaml:"))).toEqual([
      expect.stringMatching(/^JWT-007 /),
      "Not checked by the guardrails (they do not parse): accounts[1].",
    ]);
  });

  it("checks an account whose permissions do not parse with a scope no account has, so its readers are still checked", () => {
    const data = defaultData();
    data.accounts[1].permissions = ["rpm:admin"];
    data.accounts[1].readers = ["nexus-ci", "kubernetes"];
    const { lines } = refusal(data);
    expect(lines.map((l) => l.split(" ")[0])).toEqual([expect.stringMatching(/^access\.yaml:/), "POL-006", "POL-006"]);
    expect(lines.join("\n")).not.toContain("ACC-004");
  });

  it("says the guardrails did not run when nothing could be repaired (the file is not a mapping)", () => {
    const { head, lines } = refusal(["roles"]);
    expect(head).toBe("synth refused: access.yaml is not valid (1 problem); nothing was written.");
    expect(lines).toEqual([expect.stringMatching(/^access\.yaml:.*expected object/), "The guardrails did not run: the file is not a mapping of fields."]);
  });
});

describe("each repair leaves the rest checkable and raises no finding of its own", () => {
  // Every case breaks one field the schema requires; JWT-007 (userClaim sub on nexus-ci) or ACC-004 (a second account
  // with svc-executor's scope) is an unrelated violation the guardrails must still find, and nothing else may appear.
  const withJwt007 = (data: any) => (data.roles[0].userClaim = "sub");
  // An account with svc-executor's scope: ACC-004, whatever the roles and workloads are called.
  const withAcc004 = (data: any) => data.accounts.push({ name: "svc-rpm", permissions: ["raw:read-write", "rpm:read-write"], usedBy: "rpm uploads" });
  /** The role or workload renamed everywhere it is referenced, as an author would write it. */
  const rename = (data: any, from: string, to: string) => {
    for (const list of ["roles", "workloads"]) for (const entry of data[list]) if (entry.name === from) entry.name = to;
    for (const account of data.accounts) account.readers = account.readers?.map((r: string) => (r === from ? to : r));
  };
  const CASES: [string, (data: any) => void, (data: any) => void, string][] = [
    ["the stack name is missing", (d) => delete d.stack, withJwt007, "JWT-007"],
    ["the gitlab section is missing", (d) => delete d.gitlab, withJwt007, "JWT-007"],
    ["gitlab.url is not https", (d) => (d.gitlab.url = "http://gitlab.shared.cwiq.io"), withJwt007, "JWT-007"],
    ["gitlab.groupId is a word", (d) => (d.gitlab.groupId = "nine"), withJwt007, "JWT-007"],
    ["the vault section is missing", (d) => delete d.vault, withJwt007, "JWT-007"],
    ["vault.url is not https", (d) => (d.vault.url = "http://vault.shared.cwiq.io"), withJwt007, "JWT-007"],
    ["vault.jwtMount is not a mount path", (d) => (d.vault.jwtMount = "JWT/"), withJwt007, "JWT-007"],
    ["vault.kvMount is not a mount path", (d) => (d.vault.kvMount = "Secret"), withJwt007, "JWT-007"],
    ["a role has no audiences", (d) => delete d.roles[0].audiences, withJwt007, "JWT-007"],
    ["a role binds neither namespace_id nor project_id", (d) => (d.roles[0].boundClaims = { namespace_path: "orchestrator" }), withJwt007, "JWT-007"],
    ["a role's TTL is above its max TTL", (d) => (d.roles[0].tokenTtl = "45m"), withJwt007, "JWT-007"],
    ["a role's name does not parse (its readers use it)", (d) => rename(d, "nexus-ci", "Nexus_CI"), withAcc004, "ACC-004"],
    ["a workload has no description", (d) => delete d.workloads[1].description, withJwt007, "JWT-007"],
    ["a workload's name does not parse (its readers use it)", (d) => rename(d, "ec2-deploy", "EC2 deploy"), withJwt007, "JWT-007"],
    ["an account has no usedBy", (d) => delete d.accounts[0].usedBy, withJwt007, "JWT-007"],
    ["an account's name does not parse", (d) => (d.accounts[0].name = "svc_orchestrator"), withJwt007, "JWT-007"],
    ["an account is not a mapping", (d) => (d.accounts[0] = "svc-orchestrator"), withJwt007, "JWT-007"],
    ["a read path does not parse", (d) => (d.roles[0].reads[1].path = "defectdojo/*"), withJwt007, "JWT-007"],
  ];

  it.each(CASES)("%s", (_case, breakIt, violate, rule) => {
    const data = defaultData();
    breakIt(data);
    violate(data);
    const { lines } = refusal(data);
    const schema = lines.filter((l) => l.startsWith("access.yaml:"));
    const rest = lines.filter((l) => !l.startsWith("access.yaml:") && !l.startsWith("Not checked by the guardrails"));
    expect(schema).toHaveLength(1);
    expect(rest.map((l) => l.split(" ")[0])).toEqual([rule]);
    // No line names a stand-in the repair made up.
    expect(lines.join("\n")).not.toMatch(/unparsed/);
  });
});

describe("salvage (the repair itself)", () => {
  const schemaOf =
    (problems: (data: any) => { code: string; path: PropertyKey[] }[]) =>
    (data: unknown): { success: boolean; data?: unknown; error?: { issues: { code: string; path: PropertyKey[] }[] } } => {
      const issues = problems(data);
      return issues.length === 0 ? { success: true, data } : { success: false, error: { issues } };
    };

  it("leaves the input as it was (the rules' copy is a clone)", () => {
    const data = { roles: [{ name: "a", bad: 1 }] };
    const result = salvage(
      data,
      [{ code: "unrecognized_keys", path: ["roles", 0], keys: ["bad"] }],
      trustFor(),
      schemaOf((d) => ("bad" in d.roles[0] ? [{ code: "unrecognized_keys", path: ["roles", 0] }] : [])),
    );
    expect(data).toEqual({ roles: [{ name: "a", bad: 1 }] });
    expect(result.salvaged?.data).toEqual({ roles: [{ name: "a" }] });
    expect(result.salvaged?.isRepaired(["roles", 0, "bad"])).toBe(true);
    expect(result.salvaged?.isRepaired(["roles", 0, "name"])).toBe(false);
  });

  it("maps indexes of the copy back to the file after list items were left out", () => {
    const data = { roles: [{ name: "a", reads: ["x", 1, "y", 2, "z"] }] };
    const numbers = (d: any) =>
      d.roles[0].reads.flatMap((r: unknown, i: number) => (typeof r === "number" ? [{ code: "invalid_type", path: ["roles", 0, "reads", i] }] : []));
    const result = salvage(data, numbers(data), trustFor(), schemaOf(numbers));
    expect(result.salvaged?.data).toEqual({ roles: [{ name: "a", reads: ["x", "y", "z"] }] });
    expect([0, 1, 2].map((i) => result.salvaged?.toOriginal(["roles", 0, "reads", i, "path"]))).toEqual([
      ["roles", 0, "reads", 0, "path"],
      ["roles", 0, "reads", 2, "path"],
      ["roles", 0, "reads", 4, "path"],
    ]);
  });

  it("reports a problem the schema finds only after a repair, at its place in the file; not one the repair made", () => {
    const data = { a: 1, b: "x", list: [1] };
    let round = 0;
    const validate = (d: any) => {
      round++;
      if (round === 1)
        return {
          success: false,
          error: {
            issues: [
              { code: "custom", path: ["b"] },
              { code: "too_small", path: ["list"] },
            ],
          },
        };
      return { success: true, data: d };
    };
    const result = salvage(data, [{ code: "invalid_type", path: ["list", 0] }], trustFor(), validate);
    // "list" is emptied by the repair of list[0]: its problem is the repair's; "b" is a real one the first pass hid.
    expect(result.later).toEqual([{ issue: { code: "custom", path: ["b"] }, path: ["b"] }]);
  });

  it("gives up with a reason after rounds that repair nothing", () => {
    const always = () => ({ success: false, error: { issues: [{ code: "custom", path: ["stack"] }] } });
    const result = salvage({ stack: "x" }, [{ code: "custom", path: ["stack"] }], trustFor(), always);
    expect(result.salvaged).toBeUndefined();
    expect(result.why).toBe("stack could not be repaired");
  });
});
