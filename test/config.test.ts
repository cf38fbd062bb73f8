import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Config, ConfigError, loadConfig, loadTrustFile, parseConfig, parseDataFile } from "../lib/model/config";
import { configFrom, DEFAULT_FILE, DEFAULT_TEXT, defaultData, problemsAfter, trustFor, writeDataFile } from "./support/data";

/** The ConfigError a change to the default data produces (fails the test if there is none). */
const problemsOf = (change: (data: any) => void): string[] => problemsAfter(defaultData(), change);

// In beforeAll, not at describe scope: jest skips it when Stryker selects none of these tests (docs/development.md, Mutation testing).
describe("the default data file (CWIQ)", () => {
  let config: Config;
  beforeAll(() => {
    config = loadConfig(DEFAULT_FILE);
  });

  it("names the organisation's URLs, group, mounts and stack", () => {
    expect(config.stack).toBe("cwiq");
    expect(config.gitlab).toEqual({ url: "https://gitlab.shared.cwiq.io", groupId: 9 });
    expect(config.vault).toEqual({ url: "https://vault.shared.cwiq.io", jwtMount: "jwt", kvMount: "secret", manageKvMount: false });
  });

  it("declares the nexus-ci role scoped to group 9 by id", () => {
    expect(config.roles.map((r) => r.name)).toEqual(["nexus-ci"]);
    expect(config.roles[0]).toMatchObject({
      audiences: ["https://gitlab.shared.cwiq.io"],
      boundClaims: { namespace_id: "9" },
      boundClaimsType: "string",
      userClaim: "project_id",
      tokenTtl: "15m",
      tokenMaxTtl: "30m",
    });
  });

  it("declares the three Nexus service accounts with their permissions", () => {
    expect(config.accounts.map((a) => [a.name, a.permissions])).toEqual([
      ["svc-orchestrator", ["docker:read-write", "rpm:read-write", "raw:read-write", "pypi:read-write"]],
      ["svc-executor", ["rpm:read-write", "raw:read-write"]],
      ["svc-deployer", ["docker:read"]],
    ]);
  });
});

describe("defaults", () => {
  it("fills the role's user claim, claim mappings, claim type and TTLs when they are left out", () => {
    const data = defaultData();
    for (const key of ["userClaim", "claimMappings", "boundClaimsType", "tokenTtl", "tokenMaxTtl"]) delete data.roles[0][key];
    expect(configFrom(data).roles[0]).toMatchObject({
      userClaim: "project_id",
      claimMappings: ["project_path", "ref", "pipeline_id", "job_id", "user_login"],
      boundClaimsType: "string",
      tokenTtl: "15m",
      tokenMaxTtl: "30m",
    });
  });

  it("reads adopt: absent or false is no adoption, true adopts every object and creates none, a list names what to create", () => {
    const adopt = (value: unknown) => configFrom({ ...defaultData(), ...(value === undefined ? {} : { adopt: value }) }).adopt;
    expect(adopt(undefined)).toBeUndefined();
    expect(adopt(false)).toBeUndefined();
    expect(adopt(true)).toEqual({ create: [] });
    expect(adopt({ create: ["vault_policy.kv-read_secret_nexus_svc-executor"] })).toEqual({ create: ["vault_policy.kv-read_secret_nexus_svc-executor"] });
  });

  it("accepts a bound-claim id written as a number and keeps it as the string Vault compares", () => {
    expect(configFrom({ ...defaultData(), roles: [{ ...defaultData().roles[0], boundClaims: { namespace_id: 9 } }] }).roles[0].boundClaims).toEqual({
      namespace_id: "9",
    });
  });
});

describe("bad data is refused with the file, the field path, the value and what is allowed", () => {
  it("rejects an account name that does not match ^svc-[a-z0-9-]+$", () => {
    expect(problemsOf((d) => (d.accounts[1].name = "svc_Executor"))).toEqual([
      'accounts[1].name: "svc_Executor": must match ^svc-[a-z0-9-]+$',
    ]);
  });

  it("prefixes every problem with the file name", () => {
    const data = defaultData();
    data.accounts[0].name = "orchestrator";
    expect(() => configFrom(data, "staging.yaml")).toThrow('staging.yaml:accounts[0].name: "orchestrator": must match ^svc-[a-z0-9-]+$');
  });

  it("rejects a duplicate account, also when it differs only in case", () => {
    expect(problemsOf((d) => d.accounts.push({ ...d.accounts[0] }))).toEqual([
      'accounts[3].name: "svc-orchestrator": duplicates accounts[0]: names must be unique',
    ]);
    expect(problemsOf((d) => d.accounts.push({ ...d.accounts[0], name: "SVC-orchestrator" }))).toContain(
      'accounts[3].name: "SVC-orchestrator": must match ^svc-[a-z0-9-]+$',
    );
  });

  it("rejects a duplicate workload, and a workload named like a role (readers must be unambiguous)", () => {
    expect(problemsOf((d) => d.workloads.push({ ...d.workloads[0] }))).toEqual([
      'workloads[2].name: "kubernetes": duplicates workloads[0]: names must be unique',
    ]);
    expect(problemsOf((d) => d.workloads.push({ name: "nexus-ci", description: "a workload that shares the CI role's name" }))).toEqual([
      'workloads[2].name: "nexus-ci": is also a role name: readers must be unambiguous',
    ]);
  });

  it("rejects a duplicate role", () => {
    expect(problemsOf((d) => d.roles.push({ ...d.roles[0], reads: [] }))).toEqual([
      'roles[1].name: "nexus-ci": duplicates roles[0]: names must be unique',
    ]);
  });

  it("rejects an item listed twice instead of merging it: readers, permissions, keys, audiences, claim mappings", () => {
    expect(
      problemsOf((d) => {
        d.accounts[0].readers.push("nexus-ci");
        d.accounts[1].permissions.push("rpm:read-write");
        d.roles[0].reads[0].keys.push("url");
        d.roles[0].audiences.push("https://gitlab.shared.cwiq.io");
        d.roles[0].claimMappings.push("ref");
      }),
    ).toEqual([
      'roles[0].audiences[1]: "https://gitlab.shared.cwiq.io": repeats item 0 of this list: list each once',
      'roles[0].claimMappings[5]: "ref": repeats item 1 of this list: list each once',
      'roles[0].reads[0].keys[2]: "url": repeats item 1 of this list: list each once',
      'accounts[0].readers[1]: "nexus-ci": repeats item 0 of this list: list each once',
      'accounts[1].permissions[2]: "rpm:read-write": repeats item 0 of this list: list each once',
    ]);
  });

  it("rejects a path read twice by one role, and one secret declared with two sets of keys", () => {
    expect(
      problemsOf((d) => {
        d.roles[0].reads.push({ path: "defectdojo/svc-orchestrator", keys: ["token"] });
        d.roles.push({ name: "release-ci", audiences: ["https://gitlab.shared.cwiq.io"], boundClaims: { project_id: "42" }, reads: [{ path: "sonarqube/svc-orchestrator", keys: ["token"] }] });
      }),
    ).toEqual([
      'roles[0].reads[4].path: "defectdojo/svc-orchestrator": repeats roles[0].reads[1]: declare each path once, with all its keys',
      'roles[1].reads[0].keys: ["token"]: differ from the keys ["token","url"] that roles[0].reads[0] declares for sonarqube/svc-orchestrator: one secret has one set of keys',
    ]);
  });

  it("accepts one secret read by two roles with its keys in another order", () => {
    const data = defaultData();
    data.roles.push({ name: "release-ci", audiences: ["https://gitlab.shared.cwiq.io"], boundClaims: { project_id: "42" }, reads: [{ path: "sonarqube/svc-orchestrator", keys: ["url", "token"] }] });
    expect(configFrom(data).roles[1].reads[0].keys).toEqual(["url", "token"]);
  });

  it("rejects token uses that are not a positive count (Vault reads 0 as unlimited)", () => {
    expect(problemsOf((d) => (d.roles[0].tokenNumUses = 0))).toEqual(["roles[0].tokenNumUses: 0: must be a positive number of uses (Vault reads 0 as unlimited)"]);
  });

  it.each([
    ["a glob", "nexus/*"],
    ["a one-segment wildcard", "nexus/+/x"],
    ["a parent reference", "nexus/../sys"],
    ["a leading slash", "/nexus/svc-x"],
    ["a trailing slash", "nexus/svc-x/"],
    ["an empty segment", "nexus//svc-x"],
    ["upper case", "Nexus/svc-x"],
  ])("rejects a secret path with %s (%s)", (_what, path) => {
    const problems = problemsOf((d) => (d.roles[0].reads[0].path = path));
    const expected = `roles[0].reads[0].path: ${JSON.stringify(path)}: must be lower-case segments separated by "/"`;
    expect(problems).toHaveLength(1);
    expect(problems[0].slice(0, expected.length)).toBe(expected);
  });

  it("rejects a role without bound_audiences", () => {
    expect(problemsOf((d) => (d.roles[0].audiences = []))).toEqual([
      expect.stringMatching(/^roles\[0\]\.audiences: \[\]: must list at least one audience .*CVE-2024-5798/),
    ]);
    expect(problemsOf((d) => delete d.roles[0].audiences)).toEqual(["roles[0].audiences (missing): is required (array)"]);
  });

  it("rejects a role without a namespace_id or project_id bound claim", () => {
    expect(problemsOf((d) => (d.roles[0].boundClaims = { namespace_path: "orchestrator" }))).toEqual([
      'roles[0].boundClaims: {"namespace_path":"orchestrator"}: must bind namespace_id or project_id: without one, every CI job on the GitLab instance can log in',
    ]);
  });

  it.each([
    ["gitlab.url", (d: any) => (d.gitlab.url = "http://gitlab.shared.cwiq.io")],
    ["vault.url", (d: any) => (d.vault.url = "http://vault.shared.cwiq.io")],
    ["roles[0].audiences[0]", (d: any) => (d.roles[0].audiences = ["http://gitlab.shared.cwiq.io"])],
    ["gitlab.url", (d: any) => (d.gitlab.url = "gitlab.shared.cwiq.io")],
  ])("rejects a non-https URL in %s", (field, change) => {
    expect(problemsOf(change)).toEqual([expect.stringMatching(new RegExp(`^${field.replace(/[.[\]]/g, "\\$&")}: "(http://)?[a-z.]+": must be an https URL`))]);
  });

  it.each(["https://gitlab.shared.cwiq.io/", "https://gitlab.shared.cwiq.io/gitlab", "https://user:pw@gitlab.shared.cwiq.io", "https://gitlab.shared.cwiq.io?x=1"])(
    "rejects a URL with anything after the host (%s): the issuer must match exactly",
    (url) => {
      expect(problemsOf((d) => (d.gitlab.url = url))).toEqual([`gitlab.url: ${JSON.stringify(url.replace("user:pw@", "***@"))}: must be an https URL with a host and nothing after it (no path, query, user or trailing slash)`]);
    },
  );

  it("rejects a reader that is neither a role nor a workload", () => {
    expect(problemsOf((d) => d.accounts[2].readers.push("nexus-cd"))).toEqual([
      'accounts[2].readers[2]: "nexus-cd": must name a declared role or workload (nexus-ci, kubernetes, ec2-deploy)',
    ]);
  });

  it("rejects a role that lists an account's secret in reads (it is granted through the account's readers)", () => {
    expect(problemsOf((d) => d.roles[0].reads.push({ path: "nexus/svc-deployer", keys: ["username"] }))).toEqual([
      'roles[0].reads[4].path: "nexus/svc-deployer": is a service account\'s secret: grant it by listing the role in that account\'s readers',
    ]);
  });

  it("rejects a token TTL above the max TTL, and accepts one equal to it", () => {
    expect(problemsOf((d) => (d.roles[0].tokenTtl = "1h"))).toEqual(['roles[0].tokenTtl: "1h": must not exceed tokenMaxTtl (30m)']);
    const data = defaultData();
    data.roles[0].tokenTtl = "30m";
    expect(configFrom(data).roles[0]).toMatchObject({ tokenTtl: "30m", tokenMaxTtl: "30m" });
  });

  it("rejects a duration it cannot read", () => {
    expect(problemsOf((d) => (d.roles[0].tokenTtl = "15 minutes"))).toEqual(['roles[0].tokenTtl: "15 minutes": must be a duration with its unit, such as 15m, 1h or 900s (s, m or h)']);
  });

  it("shows a default value that another field contradicts, marked as the default (it is not in the file)", () => {
    expect(
      problemsOf((d) => {
        delete d.roles[0].tokenTtl;
        d.roles[0].tokenMaxTtl = "10m";
      }),
    ).toEqual(['roles[0].tokenTtl: "15m" (the default): must not exceed tokenMaxTtl (10m)']);
  });

  it("rejects an unknown field instead of ignoring a typo", () => {
    expect(problemsOf((d) => (d.roles[0].boundAudience = ["https://gitlab.shared.cwiq.io"]))).toEqual([
      "roles[0]: unknown field(s) boundAudience: remove or correct them (allowed here: name, description, audiences, boundClaims, boundClaimsType, userClaim, claimMappings, tokenTtl, tokenMaxTtl, tokenNumUses, reads, suppress)",
    ]);
    expect(problemsOf((d) => Object.assign(d.vault, { adress: "x", kv_mount: "secret" }))).toEqual([
      "vault: unknown field(s) adress, kv_mount (did you mean kvMount?): remove or correct them (allowed here: url, jwtMount, kvMount, manageKvMount)",
    ]);
    expect(problemsOf((d) => (d.roles[0].tokenTTL = "15m"))[0]).toMatch(/^roles\[0\]: unknown field\(s\) tokenTTL \(did you mean tokenTtl\?\)/);
    expect(problemsOf((d) => (d.accounts[0].readerz = []))[0]).toMatch(/^accounts\[0\]: unknown field\(s\) readerz \(did you mean readers\?\)/);
  });

  it("lists every problem at once, one line each, in a ConfigError", () => {
    const data = defaultData();
    data.accounts[0].name = "bad";
    data.vault.url = "http://vault";
    data.roles[0].reads[0].path = "a/*";
    let error: unknown;
    try {
      configFrom(data, "staging.yaml");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const { name, file, problems, message } = error as ConfigError;
    expect(problems).toHaveLength(3);
    expect({ name, file, message }).toEqual({ name: "ConfigError", file: "staging.yaml", message: problems.map((p) => `staging.yaml:${p}`).join("\n") });
  });

  it("rejects an empty data file at its root", () => {
    expect(() => parseConfig("", "empty.yaml")).toThrow("empty.yaml:(root): null: Invalid input: expected object, received null");
  });

  it("reports YAML syntax errors and duplicate keys with their line, without yaml's own position suffix", () => {
    const yamlProblems = (text: string): string[] => {
      try {
        parseConfig(text, "bad.yaml");
      } catch (e) {
        return (e as ConfigError).problems;
      }
      throw new Error("expected a YAML error");
    };
    expect(yamlProblems("stack: a\nstack: b\n")).toEqual(["2:1: YAML: Map keys must be unique"]);
    // yaml says "... at line 13, column 11:": two-digit positions are cut off as well.
    const elevenLines = Array.from({ length: 11 }, (_, i) => `key${i}: ${i}`).join("\n");
    expect(yamlProblems(`${elevenLines}\nroles:\n  - name: a\n     bad: indent\n`)).toEqual([
      "13:11: YAML: Nested mappings are not allowed in compact mappings",
      "13:11: YAML: Implicit keys need to be on a single line",
    ]);
  });

  it("reports a missing file by name", () => {
    expect(() => loadConfig(join(__dirname, "no-such.yaml"))).toThrow(/no-such\.yaml: cannot read the data file \(ENOENT\)/);
  });
});

describe("values YAML reads but the schema cannot describe honestly: one plain message each, with the value as written", () => {
  /** The problems for the frozen fixture's text with `from` replaced by `to` ([] when it is accepted). */
  const problemsFor = (from: string, to: string): string[] => {
    const text = DEFAULT_TEXT.replace(from, to);
    expect(text).not.toBe(DEFAULT_TEXT);
    try {
      parseConfig(text, DEFAULT_FILE);
    } catch (e) {
      if (e instanceof ConfigError) return e.problems;
      throw e;
    }
    return [];
  };

  it("refuses !!binary, named as such, wherever it is", () => {
    expect(problemsFor("usedBy: sonarqube-scan job", "usedBy: !!binary aGVsbG8=")).toEqual([expect.stringMatching(/^\d+:\d+: roles\[0\]\.reads\[0\]\.usedBy: is a !!binary value: write plain text$/)]);
  });

  it.each([".inf", "-.inf", ".nan", ".NaN"])("refuses %s as a number", (value) => {
    expect(problemsFor("groupId: 9", `groupId: ${value}`)).toEqual([expect.stringMatching(new RegExp(`^\\d+:\\d+: gitlab\\.groupId: ${value.replace(".", "\\.")}: infinity and NaN are not allowed here: write a finite number$`))]);
  });

  it("refuses an integer beyond 2^53 as written, never its rounded value, and accepts 2^53 - 1's neighbours below it", () => {
    expect(problemsFor("groupId: 9", "groupId: 9007199254740993")).toEqual([
      expect.stringMatching(/^\d+:\d+: gitlab\.groupId: 9007199254740993: beyond 2\^53, it cannot be read exactly: use a real id or count$/),
    ]);
    // The largest safe integer is read exactly, so the loader takes it (trust.yaml's TRUST-001 refuses it at synth).
    expect(problemsFor("groupId: 9", "groupId: 9007199254740991")).toEqual([]);
    // A float that is not an integer is the schema's business (an id must be an integer), not this check's.
    expect(problemsFor("groupId: 9", "groupId: 9.5").join("\n")).not.toMatch(/beyond|infinity/);
  });

  it("says a duration of bare digits has no unit, and shows the seconds it probably meant", () => {
    expect(problemsFor("tokenMaxTtl: 30m", 'tokenMaxTtl: "86400"')).toEqual([
      expect.stringMatching(/^\d+:\d+: roles\[0\]\.tokenMaxTtl: "86400": has no unit: write 86400s for seconds \(or m, h\); must be a duration with its unit, such as 15m, 1h or 900s \(s, m or h\)$/),
    ]);
    expect(problemsFor("tokenMaxTtl: 30m", 'tokenMaxTtl: "30 m"')).toEqual([
      expect.stringMatching(/^\d+:\d+: roles\[0\]\.tokenMaxTtl: "30 m": must be a duration with its unit, such as 15m, 1h or 900s \(s, m or h\)$/),
    ]);
    expect(problemsFor("tokenMaxTtl: 30m", 'tokenMaxTtl: "m30"')[0]).not.toContain("has no unit");
    expect(problemsFor("tokenMaxTtl: 30m", 'tokenMaxTtl: "30s5"')[0]).not.toContain("has no unit");
  });
});

describe("positions and trust anchors", () => {
  const TTL = ["roles", 0, "tokenTtl"];

  it("locates a field the same in a file read as plain YAML and in one read by yaml (a document marker sends it there)", () => {
    const plain = parseDataFile(DEFAULT_TEXT, DEFAULT_FILE, trustFor());
    expect(plain.locate?.(TTL)).toEqual({ line: 36, col: 15 });
    const viaYaml = parseDataFile(`---\n${DEFAULT_TEXT}`, DEFAULT_FILE, trustFor());
    expect(viaYaml.locate?.(TTL)).toEqual({ line: 37, col: 15 });
    expect(viaYaml.config).toEqual(plain.config);
  });

  it("reads trust.yaml at every load: an edit is seen by the next load in the same process, and no two loads share an object", () => {
    const dir = mkdtempSync(join(tmpdir(), "trust-"));
    const file = join(dir, "access.yaml");
    writeDataFile(file);
    const trustFile = join(dir, "trust.yaml");
    const first = loadTrustFile(trustFile);
    const again = loadTrustFile(trustFile);
    expect(again).toEqual(first);
    expect(again).not.toBe(first);
    expect(again.audiences).not.toBe(first.audiences);
    writeFileSync(trustFile, readFileSync(trustFile, "utf8").replace("maxTokenNumUses: 50", "maxTokenNumUses: 7"));
    expect(loadTrustFile(trustFile).limits.maxTokenNumUses).toBe(7);
    writeFileSync(trustFile, "gitlab: [\n");
    expect(() => loadTrustFile(trustFile)).toThrow(ConfigError);
  });
});
