/**
 * GitLab CI YAML: the generated templates (generator, staleness, variable names), the repository's .gitlab-ci.yml,
 * both validated with GitLab's CI schema (test/support/gitlab-ci-lint.ts), and the generated shell run for real
 * against a fake Vault and GitLab (one child process for every scenario).
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execFile, execFileSync } from "node:child_process";
import { parse } from "yaml";
import fc from "fast-check";
import type { Config } from "../lib/model/config";
import {
  PIPELINE_JOBS,
  PIPELINE_TEMPLATE_FILE,
  renderPipelineTemplate,
  renderSecretsTemplate,
  SECRETS_TEMPLATE_FILE,
  secretVariables,
  TemplateError,
} from "../lib/operations/ci-template";
import { configFrom, defaultConfig, defaultData, ROOT } from "./support/data";
import { lintGitlabCi, lintTemplate } from "./support/gitlab-ci-lint";
import { JWT, LOGIN_ERRORS, startFakeServers, type FakeServers } from "./support/fake-servers";

const committed = (path: string) => readFileSync(join(ROOT, path), "utf8");
let config: Config;
/** The template rendered from the frozen CWIQ data (whether the committed one is current: test/live-data.test.ts). */
let secretsTemplateText: string;
let secretsTemplate: any;
let examplePipelineTemplate: string;
// In beforeAll, not at module scope: a mutant that breaks the loader (Stryker) fails these tests, not the whole file.
beforeAll(() => {
  config = defaultConfig();
  secretsTemplateText = renderSecretsTemplate(config);
  secretsTemplate = parse(secretsTemplateText);
  examplePipelineTemplate = renderPipelineTemplate(configFrom(parse(readFileSync(join(ROOT, "examples", "with-pipeline.yaml"), "utf8"))));
});
const scriptOf = (job: { before_script: string[] }) => job.before_script.join("\n");
/** Every data file in examples/: each must produce a CI template, not only synthesize. */
// trust.yaml is the examples' trust anchors, not a data file.
const EXAMPLE_FILES = readdirSync(join(ROOT, "examples")).filter((f) => /\.ya?ml$/.test(f) && f !== "trust.yaml").sort();

describe("the CI template for platform pipelines (templates/vault-secrets.gitlab-ci.yml)", () => {
  it("follows a rename in the data file", () => {
    const data = defaultData();
    data.roles[0].name = "platform-ci";
    data.accounts.forEach((a: any) => (a.readers = a.readers.map((r: string) => (r === "nexus-ci" ? "platform-ci" : r))));
    data.roles[0].reads[0].path = "sonarqube/svc-platform";
    const renamed = parse(renderSecretsTemplate(configFrom(data)));
    expect(Object.keys(renamed)).toEqual([".vault-secrets-platform-ci"]);
    expect(renamed[".vault-secrets-platform-ci"].variables.VAULT_AUTH_ROLE).toBe("platform-ci");
    expect(renamed[".vault-secrets-platform-ci"].variables.VAULT_SECRETS).toContain("sonarqube/svc-platform");
    expect(scriptOf(renamed[".vault-secrets-platform-ci"])).toContain("SONARQUBE_SVC_PLATFORM_TOKEN=$(vs_key token)");
  });

  it("declares, per role, the ID token with the role's audience, the mount, the role and every path it may read", () => {
    const job = secretsTemplate[".vault-secrets-nexus-ci"];
    expect(Object.keys(secretsTemplate)).toEqual([".vault-secrets-nexus-ci"]);
    expect(job.id_tokens).toEqual({ VAULT_ID_TOKEN: { aud: "https://gitlab.shared.cwiq.io" } });
    expect(job.variables).toEqual({
      VAULT_AUTH_MOUNT: "jwt",
      VAULT_AUTH_ROLE: "nexus-ci",
      VAULT_SECRETS: "defectdojo/svc-orchestrator nexus/svc-executor nexus/svc-orchestrator orchestrator/e2e-test-user reportportal/svc-orchestrator sonarqube/svc-orchestrator",
      VAULT_RETRIES: "4",
      VAULT_TIMEOUT: "10",
      VAULT_CONNECT_TIMEOUT: "5",
    });
  });

  it("names each variable after path and key, and never svc-deployer's (workloads only)", () => {
    expect(secretVariables(config, "nexus-ci").map((v) => v.variable)).toEqual([
      "DEFECTDOJO_SVC_ORCHESTRATOR_TOKEN",
      "NEXUS_SVC_EXECUTOR_PASSWORD",
      "NEXUS_SVC_EXECUTOR_USERNAME",
      "NEXUS_SVC_ORCHESTRATOR_PASSWORD",
      "NEXUS_SVC_ORCHESTRATOR_USERNAME",
      "ORCHESTRATOR_E2E_TEST_USER_PASSWORD",
      "ORCHESTRATOR_E2E_TEST_USER_USERNAME",
      "REPORTPORTAL_SVC_ORCHESTRATOR_API_KEY",
      "SONARQUBE_SVC_ORCHESTRATOR_TOKEN",
      "SONARQUBE_SVC_ORCHESTRATOR_URL",
    ]);
    expect(secretsTemplateText).not.toMatch(/svc-deployer|SVC_DEPLOYER/);
  });

  it("rejects two keys that would land in one variable, and a name GitLab or the template reserves", () => {
    const clash = defaultData();
    clash.roles[0].reads.push({ path: "a-b/c", keys: ["x"] }, { path: "a/b-c", keys: ["x"] });
    expect(() => secretVariables(configFrom(clash), "nexus-ci")).toThrow(new TemplateError("role nexus-ci: a-b/c key x and a/b-c key x would both be read into A_B_C_X: rename a path or a key"));
    const reserved = defaultData();
    reserved.roles[0].reads.push({ path: "ci/deploy", keys: ["token"] });
    expect(() => renderSecretsTemplate(configFrom(reserved))).toThrow(/ci\/deploy key token would be read into CI_DEPLOY_TOKEN, and CI_\* names are read by a shell, a runtime, the runner or GitLab, or reserved by this template: rename the path or the key/);
  });

  it("parses Vault's JSON with one awk program, never jq, and never traces the shell", () => {
    const script = scriptOf(secretsTemplate[".vault-secrets-nexus-ci"]);
    expect(script).not.toMatch(/\b(jq|grep|sed)\b|set -x|set -o xtrace/);
    expect(script.match(/\bawk\b "\$vs_awk"/g)).toHaveLength(1);
    expect(script).toContain("vs_json value auth client_token");
  });
});

describe("GitLab CI schema validation (GitLab's ci.json, plus includes, extends, !reference, stages and needs)", () => {
  it("accepts .gitlab-ci.yml with the committed include", () => {
    expect(lintGitlabCi(".gitlab-ci.yml").problems).toEqual([]);
  });

  it("accepts .gitlab-ci.yml with the include rendered from a data file that has pipeline roles", () => {
    expect(lintGitlabCi(".gitlab-ci.yml", { overrides: { [PIPELINE_TEMPLATE_FILE]: examplePipelineTemplate } }).problems).toEqual([]);
  });

  it("accepts the generated template for platform pipelines, alone and extended by a job", () => {
    expect(lintTemplate(SECRETS_TEMPLATE_FILE, secretsTemplateText)).toEqual([]);
    const user = `include:\n  - local: ${SECRETS_TEMPLATE_FILE}\nbuild:\n  extends: .vault-secrets-nexus-ci\n  variables:\n    VAULT_SECRETS: nexus/svc-orchestrator\n  script:\n    - docker login\n`;
    expect(lintGitlabCi("user.yml", { overrides: { "user.yml": user, [SECRETS_TEMPLATE_FILE]: secretsTemplateText } }).problems).toEqual([]);
  });

  it("finds the data files in examples/", () => {
    expect(EXAMPLE_FILES).toEqual(expect.arrayContaining(["project-role.yaml", "with-pipeline.yaml"]));
  });

  it.each(EXAMPLE_FILES)("accepts the template for platform pipelines rendered from examples/%s, alone and extended by a job of each role", (file) => {
    const example = configFrom(parse(readFileSync(join(ROOT, "examples", file), "utf8")), file);
    const rendered = renderSecretsTemplate(example); // throws TemplateError when the data file cannot produce one
    expect(lintTemplate(SECRETS_TEMPLATE_FILE, rendered)).toEqual([]);
    const user = [`include:\n  - local: ${SECRETS_TEMPLATE_FILE}\n`, ...example.roles.map((role) => `${role.name}-job:\n  extends: .vault-secrets-${role.name}\n  script:\n    - ./build\n`)].join("");
    expect(lintGitlabCi("user.yml", { overrides: { "user.yml": user, [SECRETS_TEMPLATE_FILE]: rendered } }).problems).toEqual([]);
  });

  it.each([
    ["an unknown keyword", (ci: string) => ci.replace("  stage: validate\n", "  stage: validate\n  scirpt: [x]\n"), /job synth \(after extends\): schema: \/ must NOT have additional properties \(scirpt\)|\/synth must NOT have additional properties \(scirpt\)/],
    ["a keyword that is valid only in a hidden job reached through extends", (ci: string) => ci.replace(".node:\n", ".node:\n  install: [x]\n"), /job synth \(after extends\): schema: \/ must NOT have additional properties \(install\)/],
    ["a stage that is not declared", (ci: string) => ci.replace("stage: apply\n", "stage: deploy\n"), /job apply: stage deploy is not in stages/],
    ["a !reference to nothing", (ci: string) => ci.replace("!reference [.snippets, jq]", "!reference [.snippets, yq]"), /!reference \[\.snippets, yq\] points at nothing/],
    ["needs on a job that does not exist", (ci: string) => ci.replace('needs: [synth, test, "plan:default-branch"]', 'needs: [synth, test, "plan:main"]'), /job apply: needs plan:main, which is not a job/],
    ["an id token without audience", (ci: string) => `${ci}\nextra:\n  id_tokens:\n    X: {}\n  script: [x]\n`, /id_tokens\/X must have required property 'aud'/],
    ["allow_failure exit codes written as a string", (ci: string) => ci.replace("exit_codes: [3]", 'exit_codes: "3"'), /allow_failure/],
  ])("rejects %s", (_what, change, message) => {
    const changed = change(committed(".gitlab-ci.yml"));
    expect(changed).not.toBe(committed(".gitlab-ci.yml"));
    expect(lintGitlabCi(".gitlab-ci.yml", { overrides: { ".gitlab-ci.yml": changed } }).problems.join("\n")).toMatch(message);
  });
});

describe("the repository's pipeline (.gitlab-ci.yml)", () => {
  let ci: any;
  let jobs: any;
  beforeAll(() => {
    ({ config: ci, jobs } = lintGitlabCi(".gitlab-ci.yml", { overrides: { [PIPELINE_TEMPLATE_FILE]: examplePipelineTemplate } }));
  });
  const script = (job: string) => [jobs[job].before_script, jobs[job].script].flat(10).filter(Boolean).join("\n");

  it("runs validate, test, plan, apply, installing from the lockfile with a cache", () => {
    expect(ci.stages).toEqual(["validate", "test", "plan", "apply"]);
    expect(jobs.synth).toMatchObject({ stage: "validate", cache: { key: { files: ["package-lock.json"] }, paths: [".npm/"] } });
    // Between the install and the synth: the check that no variable redirects the data (test/settings.test.ts).
    expect(script("synth")).toMatch(/npm install --no-audit --no-fund --prefer-offline --cache \.npm\n(test -z "\$\{ACCESS_(CONFIG|STATE):-\}" .*\n){2}npm run synth\nnpm run ci-template -- --check/);
    expect(script("test")).toMatch(/npm test$/);
    expect(Object.values(jobs).some((j) => JSON.stringify(j).includes("npm ci"))).toBe(false);
  });

  it("posts the access diff against the merge base as an artifact and a note, and shows a widening (exit 3) as a warning", () => {
    expect(jobs["access-diff"]).toMatchObject({
      stage: "test",
      rules: [{ if: '$CI_PIPELINE_SOURCE == "merge_request_event"' }],
      allow_failure: { exit_codes: [3] },
      artifacts: { when: "always", expose_as: "access diff", paths: ["access-diff.md"] },
    });
    expect(script("access-diff")).toContain('npm run --silent access:diff -- "$base" > access-diff.md || status=$?');
    expect(script("access-diff")).toContain("sh .ci/mr-note.sh access-diff.note.md");
  });

  it("compares with what the merge request changes: GitLab's merge base and nothing else, fetched if the clone lacks it", () => {
    const lines = [jobs["access-diff"].script].flat(10).filter((l): l is string => typeof l === "string");
    const base = lines.findIndex((l) => l.startsWith("base="));
    expect(lines[base]).toMatch(/^base="\$\{CI_MERGE_REQUEST_DIFF_BASE_SHA:\?[^}]+\}"$/);
    const fetch = lines.findIndex((l) => l.includes("git fetch"));
    expect(fetch).toBeGreaterThan(base);
    expect(lines[fetch]).toMatch(/^git cat-file -e "\$\{base\}\^\{commit\}" 2>\/dev\/null \\\n *\|\| git fetch --no-tags --depth=1 origin "\$base" \\\n/);
    expect(lines.findIndex((l) => l.includes("access:diff"))).toBeGreaterThan(fetch);
    expect(lines.join("\n")).not.toMatch(/access:diff -- "?origin\//);
    // The same line, run by a shell: a merge-request pipeline, a merged-results pipeline (still the merge base), and no merge request at all.
    const { spawnSync } = require("node:child_process") as typeof import("node:child_process");
    const run = (env: Record<string, string>) => spawnSync("sh", ["-c", `${lines[base]}; printf %s "$base"`], { env: { PATH: process.env.PATH ?? "", ...env }, encoding: "utf8" });
    expect(run({ CI_MERGE_REQUEST_DIFF_BASE_SHA: "1111", CI_MERGE_REQUEST_TARGET_BRANCH_SHA: "" }).stdout).toBe("1111");
    expect(run({ CI_MERGE_REQUEST_DIFF_BASE_SHA: "1111", CI_MERGE_REQUEST_TARGET_BRANCH_SHA: "2222" }).stdout).toBe("1111");
    expect(run({}).status).not.toBe(0);
  });

  it("runs no plan and no apply unless the tests passed: each of them needs the test job", () => {
    for (const job of [".terraform", "plan:merge-request", "plan:default-branch", "apply"]) {
      expect([job, ci[job]?.needs ?? jobs[job]?.needs]).toEqual([job, expect.arrayContaining(["synth", "test"])]);
    }
    expect(jobs.test.rules).toBeUndefined(); // in every pipeline, so that the need can always be met
  });

  it("plans in merge requests with the plan role and publishes GitLab's Terraform report", () => {
    const plan = jobs["plan:merge-request"];
    expect(plan).toMatchObject({ stage: "plan", id_tokens: { VAULT_ID_TOKEN: { aud: "https://gitlab.shared.cwiq.io" } }, variables: { VAULT_AUTH_ROLE: "vault-ci-access-plan" } });
    expect(plan.rules).toEqual([{ if: '$ACCESS_PIPELINE_CONFIGURED != "true"', when: "never" }, { if: '$CI_PIPELINE_SOURCE == "merge_request_event"' }]);
    expect(plan.artifacts).toMatchObject({ reports: { terraform: "plan.json" } });
    expect(script("plan:merge-request")).toContain('terraform show -json plan.cache | jq -r -f "$CI_PROJECT_DIR/.ci/terraform-report.jq" > "$CI_PROJECT_DIR/plan.json"');
  });

  it("applies the default branch's saved plan, by hand, on the protected default branch only, with the apply role", () => {
    const apply = jobs.apply;
    expect(apply).toMatchObject({ stage: "apply", allow_failure: false, resource_group: "vault-ci-access", variables: { VAULT_AUTH_ROLE: "vault-ci-access-apply" } });
    expect(apply.rules).toEqual([
      { if: '$ACCESS_PIPELINE_CONFIGURED != "true"', when: "never" },
      { if: '$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH && $CI_COMMIT_REF_PROTECTED == "true"', when: "manual" },
    ]);
    expect(apply.needs).toEqual(["synth", "test", "plan:default-branch"]);
    expect(script("apply")).toMatch(/terraform apply plan\.cache$/);
    expect(jobs["plan:default-branch"].rules).toEqual((apply.rules as any[]).map((r: any) => (r.when === "manual" ? { if: r.if } : r)));
  });

  it("skips plan and apply while the data file has no pipeline roles", () => {
    expect(parse(renderPipelineTemplate(config)).variables).toEqual({ ACCESS_PIPELINE_CONFIGURED: "false", ACCESS_STACK: "cwiq" });
    expect(parse(examplePipelineTemplate).variables).toEqual({ ACCESS_PIPELINE_CONFIGURED: "true", ACCESS_STACK: "example" });
  });
});

describe("the generated shell, run against a fake Vault and GitLab", () => {
  // Fake credentials, built at run time so that secret scanners reading this repository find none.
  const TOKEN = ["hvs", "fake-token-0123456789"].join(".");
  const NOTE_TOKEN = ["glpat", "fake-note-token"].join("-");
  const GITLAB_TOKEN_VALUE = ["glpat", "fake-apply-token"].join("-");
  const secrets: Record<string, Record<string, string>> = {
    "defectdojo/svc-orchestrator": { token: "dd-token-value" },
    "nexus/svc-executor": { username: "svc-executor", password: "exec-password-value" },
    "nexus/svc-orchestrator": { username: "svc-orchestrator", password: "orch password with spaces $HOME" },
    "orchestrator/e2e-test-user": { username: "e2e", password: "e2e-password-value" },
    "reportportal/svc-orchestrator": { api_key: "rp-api-key-value" },
    "sonarqube/svc-orchestrator": { token: "sq-token-value", url: "https://sonar.example" },
    "ci/vault-ci-access/gitlab-token": { token: GITLAB_TOKEN_VALUE },
  };
  const SENSITIVE = [TOKEN, NOTE_TOKEN, "limited-token", "partial-token", ...Object.values(JWT), ...Object.values(secrets).flatMap((s) => Object.values(s)).filter((v) => !v.startsWith("svc-") && v !== "e2e")];

  /**
   * Secret values of every kind (quotes, backslashes, line breaks, also at the end, unicode beyond U+FFFF), new for
   * every run, read back from the exported variables byte for byte. The fake Vault serves them as Node writes JSON and
   * as ASCII-only JSON (every other character a \u escape, surrogate pairs, `\/`).
   */
  const SEED = Date.now();
  const valueUnit = fc.oneof(
    fc.constantFrom('"', "\\", "'", "\n", "\t", "\r", "/", "$", "`", " ", "\\u0041", "%s", "\u2028", "\u007f", "\u0001", "é", "東", "😀"),
    fc.integer({ min: 1, max: 0x10ffff }).filter((c) => c < 0xd800 || c > 0xdfff).map((c) => String.fromCodePoint(c)),
  );
  const generatedValues = fc.sample(fc.string({ unit: valueUnit, minLength: 0, maxLength: 30 }), { numRuns: 20, seed: SEED });
  generatedValues[0] = 'a"b\\c\\u00e9\n\t\/😀\n\n';
  const generatedSecrets: Record<string, Record<string, string>> = {};
  let next = 0;
  /** Each variable of nexus-ci, with the value the fake serves for it. */
  let generated: { variable: string; value: string }[] = [];
  /** Shell, transfer tool and PATH of each matrix run: dash with curl and no jq, bash with curl, BusyBox alone. */
  const MATRIX = { dash: "sh", bash: "bash", bb: "busybox sh" } as const;
  const MATRIX_SCENARIOS = ["values", "values_escaped", "ok", "forbidden", "unreachable", "hang", "sealed", "flaky"];
  const FAULTS = { hang: "hang", sealed: "sealed", flaky: "flaky" } as const;
  const matrixName = (shell: keyof typeof MATRIX, scenario: string) => (shell === "dash" ? scenario : `${shell}_${scenario}`);

  const SHELL_SCENARIOS = [
    "values", "values_escaped", "ok", "no_curl", "no_awk", "no_addr", "no_id_token", "bad_jwt", "bad_role", "wrong_aud", "wrong_aud_old", "not_bound", "expired", "wrong_issuer", "role_missing", "no_role",
    "oidc_role", "outside_cidrs", "no_token", "forbidden", "missing_key", "missing_secret", "unknown_path", "unreachable", "bad_limit", "hang", "sealed", "flaky", "plan", "apply",
  ];
  let servers: FakeServers;
  let dir: string;
  const out = (name: string) => ({
    rc: Number(readFileSync(join(dir, `${name}.rc`), "utf8")),
    stdout: readFileSync(join(dir, `${name}.out`), "utf8"),
    stderr: readFileSync(join(dir, `${name}.err`), "utf8"),
    seconds: Number(readFileSync(join(dir, `${name}.seconds`), "utf8")),
  });
  const envOf = (name: string) => Object.fromEntries(readFileSync(join(dir, `${name}.env`), "utf8").split("\n").filter(Boolean).map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));

  beforeAll(async () => {
    generated = secretVariables(config, "nexus-ci").map((v) => {
      const value = generatedValues[next++ % generatedValues.length];
      generatedSecrets[v.path] = { ...generatedSecrets[v.path], [v.key]: value };
      return { variable: v.variable, value };
    });
    const pipeline = parse(examplePipelineTemplate);
    // The roles the templates log in to, as Vault has them once the configuration is applied, and a browser login role.
    const roles = [secretsTemplate[".vault-secrets-nexus-ci"], pipeline[PIPELINE_JOBS.plan], pipeline[PIPELINE_JOBS.apply]].map((job) => [job.variables.VAULT_AUTH_ROLE, "jwt"]);
    servers = await startFakeServers({
      roles: { ...Object.fromEntries(roles), "nexus-ui": "oidc" },
      secrets,
      partialSecrets: { "reportportal/svc-orchestrator": { wrong_key: "x" } },
      token: TOKEN,
      gitlabToken: NOTE_TOKEN,
      mergeRequest: { project: "42", iid: "7" },
      generatedSecrets,
      faults: Object.fromEntries(
        Object.entries(FAULTS).flatMap(([scenario, fault]) => (Object.keys(MATRIX) as (keyof typeof MATRIX)[]).map((shell) => [matrixName(shell, scenario), fault])),
      ),
    });
    dir = mkdtempSync(join(tmpdir(), "ci-shell-"));
    writeFileSync(join(dir, "secrets.sh"), scriptOf(secretsTemplate[".vault-secrets-nexus-ci"]));
    writeFileSync(join(dir, "plan.sh"), scriptOf(pipeline[PIPELINE_JOBS.plan]));
    writeFileSync(join(dir, "apply.sh"), scriptOf(pipeline[PIPELINE_JOBS.apply]));
    writeFileSync(join(dir, "diff.md"), "+ nexus-ci may now read secret/data/nexus/svc-datastore\n");
    // PATHs without curl or wget, without awk, everything but jq, and BusyBox's applets alone (Kaniko's debug image).
    for (const [bin, tool] of [["bin-jq", "jq"], ["bin-curl", "curl"]]) {
      mkdirSync(join(dir, bin));
      symlinkSync(execPath(tool), join(dir, bin, tool));
    }
    mkdirSync(join(dir, "bin-nojq"));
    for (const bin of ["/usr/local/bin", "/usr/bin", "/bin"])
      for (const tool of existsSync(bin) ? readdirSync(bin) : [])
        if (tool !== "jq" && tool !== "busybox" && !existsSync(join(dir, "bin-nojq", tool))) symlinkSync(join(bin, tool), join(dir, "bin-nojq", tool));
    mkdirSync(join(dir, "bin-busybox"));
    const busybox = execPath("busybox");
    for (const applet of execFileSync(busybox, ["--list"], { encoding: "utf8" }).split("\n").filter(Boolean)) symlinkSync(busybox, join(dir, "bin-busybox", applet));
    const jobVariables = (job: { variables: Record<string, string> }) =>
      Object.entries(job.variables).map(([k, v]) => `export ${k}='${v}'`).join("; ");
    const driver = `
set -u
dir=${dir}
base=${servers.url}/s
run() { name=$1; shift; t0=$(date +%s); ( "$@" ) >"$dir/$name.out" 2>"$dir/$name.err"; echo $? >"$dir/$name.rc"; echo $(($(date +%s) - t0)) >"$dir/$name.seconds"; }
# The job's image: everything but jq (dash, bash), or BusyBox alone (job_path set by the BusyBox run).
secrets_job() { ${jobVariables(secretsTemplate[".vault-secrets-nexus-ci"])}; export VAULT_ADDR="$base/$name" VAULT_ID_TOKEN="$1" CI_PROJECT_NAMESPACE_ID=77 PATH="\${job_path:-$dir/bin-nojq}"; }
read_secrets() { set -e; . "$dir/secrets.sh"; env > "$dir/$name.env"; }
# Each variable as a child process sees it (exported), byte for byte.
dump() { for v in ${generated.map((g) => g.variable).join(" ")}; do sh -c "printf '%s' \\"\\$$v\\"" > "$dir/$name.var.$v"; done; }
ok() { secrets_job "${JWT.ok}"; read_secrets; }
values() { secrets_job "${JWT.values}"; read_secrets; dump; }
values_escaped() { secrets_job "${JWT.valuesEscaped}"; read_secrets; dump; }
no_curl() { secrets_job "${JWT.ok}"; PATH="$dir/bin-jq"; read_secrets; }
no_awk() { secrets_job "${JWT.ok}"; PATH="$dir/bin-curl"; read_secrets; }
no_addr() { secrets_job "${JWT.ok}"; unset VAULT_ADDR; read_secrets; }
no_id_token() { secrets_job ""; read_secrets; }
bad_jwt() { secrets_job 'x", "role": "other'; read_secrets; }
bad_role() { secrets_job "${JWT.ok}"; VAULT_AUTH_ROLE='nexus-ci", "jwt": "x'; read_secrets; }
wrong_aud() { secrets_job "${JWT.wrongAudience}"; read_secrets; }
wrong_aud_old() { secrets_job "${JWT.wrongAudienceOld}"; read_secrets; }
not_bound() { secrets_job "${JWT.notBound}"; read_secrets; }
expired() { secrets_job "${JWT.expired}"; read_secrets; }
wrong_issuer() { secrets_job "${JWT.wrongIssuer}"; read_secrets; }
role_missing() { secrets_job "${JWT.ok}"; VAULT_AUTH_ROLE=nexus-cl; read_secrets; }
no_role() { secrets_job "${JWT.ok}"; VAULT_AUTH_ROLE=; read_secrets; }
oidc_role() { secrets_job "${JWT.ok}"; VAULT_AUTH_ROLE=nexus-ui; read_secrets; }
outside_cidrs() { secrets_job "${JWT.outsideCidrs}"; read_secrets; }
no_token() { secrets_job "${JWT.noToken}"; read_secrets; }
forbidden() { secrets_job "${JWT.limited}"; read_secrets; }
missing_key() { secrets_job "${JWT.partial}"; VAULT_SECRETS=reportportal/svc-orchestrator; read_secrets; }
missing_secret() { secrets_job "${JWT.partial}"; VAULT_SECRETS=sonarqube/svc-orchestrator; read_secrets; }
unknown_path() { secrets_job "${JWT.ok}"; VAULT_SECRETS=nexus/svc-deployer; read_secrets; }
unreachable() { secrets_job "${JWT.ok}"; export VAULT_ADDR=http://127.0.0.1:1 VAULT_RETRIES=1; read_secrets; }
bad_limit() { secrets_job "${JWT.ok}"; VAULT_TIMEOUT=10s; read_secrets; }
# Faults (the fake Vault's, by scenario): short limits, so that the suite stays quick.
hang() { secrets_job "${JWT.ok}"; VAULT_TIMEOUT=1 VAULT_CONNECT_TIMEOUT=1 VAULT_RETRIES=1; read_secrets; }
sealed() { secrets_job "${JWT.ok}"; VAULT_RETRIES=2; read_secrets; }
flaky() { secrets_job "${JWT.ok}"; VAULT_SECRETS=nexus/svc-orchestrator; read_secrets; }
plan() { ${jobVariables(pipeline[PIPELINE_JOBS.plan])}; export VAULT_ADDR="$base/$name" VAULT_ID_TOKEN="${JWT.ok}" PATH="$dir/bin-nojq"; set -e; . "$dir/plan.sh"; env > "$dir/$name.env"; }
apply() { ${jobVariables(pipeline[PIPELINE_JOBS.apply])}; export VAULT_ADDR="$base/$name" VAULT_ID_TOKEN="${JWT.ok}" PATH="$dir/bin-nojq"; set -e; . "$dir/apply.sh"; env > "$dir/$name.env"; }
note() { export CI_API_V4_URL="$base/note/api/v4" CI_PROJECT_ID=42 CI_MERGE_REQUEST_IID=7 ACCESS_DIFF_NOTE_TOKEN="$1"; sh "${join(ROOT, ".ci", "mr-note.sh")}" "$dir/diff.md"; }
${(["bash", "bb"] as const).flatMap((shell) => MATRIX_SCENARIOS.map((scenario) => `${matrixName(shell, scenario)}() { ${scenario}; }`)).join("\n")}
# Side by side: each scenario has its own files and its own path on the fake servers.
if [ "$#" -gt 0 ]; then
  for scenario in "$@"; do run "$scenario" "$scenario" & done
  wait
  exit 0
fi
for scenario in ${SHELL_SCENARIOS.join(" ")}; do
  run "$scenario" "$scenario" &
done
bash "$dir/driver.sh" ${MATRIX_SCENARIOS.map((s) => matrixName("bash", s)).join(" ")} &
env PATH="$dir/bin-busybox" job_path="$dir/bin-busybox" ${execPath("busybox")} sh "$dir/driver.sh" ${MATRIX_SCENARIOS.map((s) => matrixName("bb", s)).join(" ")} &
{
  run note_first note "${NOTE_TOKEN}"
  echo "- nexus-ci may no longer read secret/data/nexus/svc-datastore" > "$dir/diff.md"
  run note_second note "${NOTE_TOKEN}"
  run note_without_token note ""
} &
wait
`;
    writeFileSync(join(dir, "driver.sh"), driver);
    chmodSync(join(dir, "driver.sh"), 0o755);
    await new Promise<void>((resolve, reject) => execFile("sh", [join(dir, "driver.sh")], { env: { PATH: process.env.PATH ?? "" } }, (error) => (error ? reject(error) : resolve())));
    // Some thirty shells with curl and jq, side by side: about a second alone, several on a loaded 2-core machine.
  }, 30_000);
  afterAll(() => servers?.close());

  it("reads every secret of the role into its variable, exported, and prints only names", () => {
    const { rc, stdout, stderr } = out("ok");
    expect([rc, stderr]).toEqual([0, ""]);
    const env = envOf("ok");
    for (const v of secretVariables(config, "nexus-ci")) expect([v.variable, env[v.variable]]).toEqual([v.variable, secrets[v.path][v.key]]);
    expect(stdout).toContain("vault-secrets: logged in to Vault as role nexus-ci");
    expect(stdout).toContain("vault-secrets: read secret/data/nexus/svc-orchestrator into NEXUS_SVC_ORCHESTRATOR_PASSWORD, NEXUS_SVC_ORCHESTRATOR_USERNAME");
    expect(env).not.toHaveProperty("VAULT_TOKEN");
    expect(Object.values(env)).not.toContain(TOKEN);
  });

  it("logs in to the role and mount of the template with the job's ID token, and reads with the token it got", () => {
    const requests = servers.requests.filter((r) => r.scenario === "ok");
    expect(requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "POST /v1/auth/jwt/login",
      ...secretsTemplate[".vault-secrets-nexus-ci"].variables.VAULT_SECRETS.split(" ").map((p: string) => `GET /v1/secret/data/${p}`),
    ]);
    expect(JSON.parse(requests[0].body)).toEqual({ role: "nexus-ci", jwt: JWT.ok });
    expect(requests.slice(1).every((r) => r.vaultToken === TOKEN)).toBe(true);
  });

  it("reads only the paths named in VAULT_SECRETS", () => {
    const requests = servers.requests.filter((r) => r.scenario === "missing_key");
    expect(requests.map((r) => `${r.method} ${r.path}`)).toEqual(["POST /v1/auth/jwt/login", "GET /v1/secret/data/reportportal/svc-orchestrator"]);
  });

  it.each(Object.keys(MATRIX) as (keyof typeof MATRIX)[])("reads every generated secret value exactly, under %s, from Node's JSON and from ASCII-only JSON", (shell) => {
    for (const scenario of ["values", "values_escaped"]) {
      const name = matrixName(shell, scenario);
      expect([name, out(name).rc, out(name).stderr]).toEqual([name, 0, ""]);
      for (const { variable, value } of generated)
        expect([SEED, name, variable, readFileSync(join(dir, `${name}.var.${variable}`)).toString("hex")]).toEqual([SEED, name, variable, Buffer.from(value).toString("hex")]);
    }
  });

  it.each(["bash", "bb"] as const)("logs in, reads and fails the same way under %s", (shell) => {
    const requests = (scenario: string) => servers.requests.filter((r) => r.scenario === scenario).map((r) => `${r.method} ${r.path} ${r.vaultToken ?? ""} ${r.body}`);
    expect(out(matrixName(shell, "ok")).rc).toBe(0);
    expect(requests(matrixName(shell, "ok"))).toEqual(requests("ok"));
    // The transfer tool: curl where the image has it, BusyBox wget in BusyBox alone.
    const agents = new Set(servers.requests.filter((r) => r.scenario === matrixName(shell, "ok")).map((r) => r.userAgent?.split("/")[0]));
    expect([...agents]).toEqual([shell === "bb" ? "Wget" : "curl"]);
    const env = envOf(matrixName(shell, "ok"));
    for (const v of secretVariables(config, "nexus-ci")) expect([v.variable, env[v.variable]]).toEqual([v.variable, secrets[v.path][v.key]]);
    expect(out(matrixName(shell, "forbidden")).stderr).toMatch(/vault-secrets: ERROR: role nexus-ci may not read secret\/data\/defectdojo\/svc-orchestrator \(HTTP 403\)/);
    expect(out(matrixName(shell, "unreachable")).stderr).toMatch(
      shell === "bb" ? /vault-secrets: ERROR: could not connect to VAULT_ADDR=http:\/\/127\.0\.0\.1:1 \(wget: can't connect to remote host/ : /vault-secrets: ERROR: could not connect to VAULT_ADDR=http:\/\/127\.0\.0\.1:1 \(curl exit 7\)/,
    );
  });

  it.each(Object.keys(MATRIX) as (keyof typeof MATRIX)[])("under %s, stops a request Vault never answers within VAULT_TIMEOUT, retried, instead of hanging", (shell) => {
    const { rc, stderr, seconds } = out(matrixName(shell, "hang"));
    expect(rc).toBe(1);
    expect(stderr).toMatch(/vault-secrets: ERROR: the login to role nexus-ci: no answer from VAULT_ADDR=\S+ within VAULT_TIMEOUT=1 s \(.*; 2 attempt\(s\), VAULT_RETRIES=1\)/);
    expect(stderr).toMatch(/^vault-secrets: the login to role nexus-ci: .*, retry 1 of 1 in 1 s$/m);
    // Two attempts of 1 s and 1 s between them, with room for a loaded machine (a hang would time the suite out).
    expect(seconds).toBeLessThanOrEqual(8);
    expect(servers.requests.filter((r) => r.scenario === matrixName(shell, "hang"))).toHaveLength(2);
  });

  it.each(Object.keys(MATRIX) as (keyof typeof MATRIX)[])("under %s, fails against a sealed Vault after the retries, with a clear message", (shell) => {
    const name = matrixName(shell, "sealed");
    const { rc, stderr } = out(name);
    expect(rc).toBe(1);
    expect(stderr).toMatch(
      new RegExp(`vault-secrets: ERROR: the login to role nexus-ci failed with HTTP 503 \\(3 attempt\\(s\\), VAULT_RETRIES=2\\): Vault is sealed, a standby without an active node, or over its rate limit\\. Vault said: ${shell === "bb" ? "" : "Vault is sealed"}$`, "m"),
    );
    expect(stderr.split("\n").filter((l) => l.includes(", retry "))).toEqual(["vault-secrets: the login to role nexus-ci: HTTP 503, retry 1 of 2 in 1 s", "vault-secrets: the login to role nexus-ci: HTTP 503, retry 2 of 2 in 2 s"]);
    expect(servers.requests.filter((r) => r.scenario === name)).toHaveLength(3);
  });

  it.each(Object.keys(MATRIX) as (keyof typeof MATRIX)[])("under %s, rides out a Vault that answers 503 twice and then serves, logging each retry in one line", (shell) => {
    const name = matrixName(shell, "flaky");
    const { rc, stderr } = out(name);
    expect(rc).toBe(0);
    // BusyBox wget drops the body of a 503, and Vault's request_id with it.
    const id = (n: number) => (shell === "bb" ? "" : ` (request_id req-${name}-${n})`);
    expect(stderr).toBe(`vault-secrets: the login to role nexus-ci: HTTP 503${id(1)}, retry 1 of 4 in 1 s\nvault-secrets: the login to role nexus-ci: HTTP 503${id(2)}, retry 2 of 4 in 2 s\n`);
    expect(envOf(name)).toMatchObject({ NEXUS_SVC_ORCHESTRATOR_PASSWORD: secrets["nexus/svc-orchestrator"].password });
    expect(servers.requests.filter((r) => r.scenario === name).map((r) => `${r.method} ${r.path}`)).toEqual([
      ...Array(3).fill("POST /v1/auth/jwt/login"),
      "GET /v1/secret/data/nexus/svc-orchestrator",
    ]);
  });

  it("sends the JWT to BusyBox wget on standard input, never on its command line", () => {
    expect(scriptOf(secretsTemplate[".vault-secrets-nexus-ci"])).toMatch(/printf '%s' "\$vs_data" \| timeout "\$VAULT_TIMEOUT" wget .*--post-file \/dev\/stdin/);
  });

  it.each([
    ["neither curl nor BusyBox wget is there", "no_curl", /neither curl nor BusyBox wget is in this image: install curl/],
    ["awk is missing", "no_awk", /awk is not in this image: it parses Vault's answers/],
    ["VAULT_ADDR is not set", "no_addr", /VAULT_ADDR is not set or empty\. It comes from the CI\/CD variable VAULT_ADDR of group 9.*'Could not resolve host'/],
    ["the ID token is empty", "no_id_token", /VAULT_ID_TOKEN is empty: the job has no ID token/],
    ["the ID token is not a JWT (it goes into the login JSON as it is)", "bad_jwt", /VAULT_ID_TOKEN is not a JWT/],
    ["an overridden role that is not a role name (it goes into the login JSON as it is)", "bad_role", /VAULT_AUTH_ROLE='nexus-ci", "jwt": "x' is not a role name .*this template logs in as nexus-ci/],
    ["the audience does not match (HTTP 400)", "wrong_aud", /Vault refused the ID token's audience for role nexus-ci \(HTTP 400 from \/v1\/auth\/jwt\/login\): the job's id_tokens VAULT_ID_TOKEN aud must be https:\/\/gitlab\.shared\.cwiq\.io, the role's bound audience\./],
    ["the audience does not match, in an older plugin's words", "wrong_aud_old", /Vault refused the ID token's audience for role nexus-ci \(HTTP 400 from \/v1\/auth\/jwt\/login\): the job's id_tokens VAULT_ID_TOKEN aud must be https:\/\/gitlab\.shared\.cwiq\.io/],
    ["the job is not bound to the role (HTTP 400 on login, not the JWT page's 403)", "not_bound", /Vault refused the login \(HTTP 400 from \/v1\/auth\/jwt\/login\): this job is not bound to role nexus-ci, which accepts jobs with namespace_id=9; this job has namespace_id=77\. namespace_id is the project's own group: projects in its subgroups do not match\./],
    ["the ID token has expired", "expired", /Vault did not accept the ID token itself for role nexus-ci \(HTTP 400 from \/v1\/auth\/jwt\/login\): its signature, issuer or expiry\. Vault trusts only ID tokens issued by https:\/\/gitlab\.shared\.cwiq\.io .*retry the job if it expired\./],
    ["the ID token comes from another issuer", "wrong_issuer", /Vault did not accept the ID token itself for role nexus-ci \(HTTP 400 from \/v1\/auth\/jwt\/login\): its signature, issuer or expiry\. Vault trusts only ID tokens issued by https:\/\/gitlab\.shared\.cwiq\.io/],
    ["the role does not exist in Vault", "role_missing", /Vault has no role 'nexus-cl' on auth\/jwt \(HTTP 400 from \/v1\/auth\/jwt\/login\): the configuration that declares role nexus-ci is not applied to this Vault yet \(ask the infra team to apply it\), or VAULT_AUTH_ROLE names the wrong role \(this template logs in as nexus-ci\)\./],
    ["VAULT_AUTH_ROLE is empty", "no_role", /Vault received no role \(HTTP 400 from \/v1\/auth\/jwt\/login\): VAULT_AUTH_ROLE is empty, and auth\/jwt has no default role\. Do not override VAULT_AUTH_ROLE \(this template logs in as nexus-ci\)\./],
    ["the role is an OIDC (browser) role", "oidc_role", /role 'nexus-ui' is an OIDC role in Vault \(role_type oidc, for browser logins\) \(HTTP 400 from \/v1\/auth\/jwt\/login\): a CI job logs in only to a role_type jwt role\./],
    ["Vault denies the login outright (HTTP 403, e.g. token_bound_cidrs)", "outside_cidrs", /Vault denied the login to role nexus-ci \(HTTP 403 from \/v1\/auth\/jwt\/login, permission denied\)\. Not the ID token \(Vault answers those with 400\) but where the login comes from, for example the role's token_bound_cidrs/],
    ["the login returns no token", "no_token", /Vault answered the login to role nexus-ci with HTTP 200 but without a token \(\.auth\.client_token is empty\)/],
    ["the path is not in the role's policy (HTTP 403 on read)", "forbidden", /role nexus-ci may not read secret\/data\/defectdojo\/svc-orchestrator \(HTTP 403\): the path is not in the role's policy in Vault/],
    ["a key is missing in the secret", "missing_key", /secret\/data\/reportportal\/svc-orchestrator has no key api_key/],
    ["the secret does not exist (HTTP 404)", "missing_secret", /there is no secret at secret\/data\/sonarqube\/svc-orchestrator \(HTTP 404\)/],
    ["VAULT_SECRETS names a path the role may not read", "unknown_path", /VAULT_SECRETS names 'nexus\/svc-deployer', which role nexus-ci may not read\. It may read: defectdojo\/svc-orchestrator/],
    ["Vault cannot be reached", "unreachable", /could not connect to VAULT_ADDR=http:\/\/127\.0\.0\.1:1 \(curl exit 7\): Vault is down or not reachable from this runner \(2 attempt\(s\), VAULT_RETRIES=1\)\./],
    ["a request limit is not a whole number", "bad_limit", /VAULT_TIMEOUT='10s' is not a whole number from 1 to 300 \(seconds one attempt of a request may take in all; default 10\)\./],
  ])("fails the job with a clear message when %s", (_what, scenario, message) => {
    const { rc, stderr } = out(scenario);
    expect(rc).toBe(1);
    expect(stderr).toMatch(new RegExp(`vault-secrets: ERROR: ${message.source}`));
  });

  it.each([
    ["wrong_aud", LOGIN_ERRORS.wrongAudience],
    ["wrong_aud_old", LOGIN_ERRORS.wrongAudienceOld],
    ["not_bound", LOGIN_ERRORS.notBound],
    ["expired", LOGIN_ERRORS.expired],
    ["wrong_issuer", LOGIN_ERRORS.wrongIssuer],
    ["role_missing", 'role "nexus-cl" could not be found'],
    ["no_role", "missing role"],
    ["oidc_role", "role with oidc role_type is not allowed"],
    ["outside_cidrs", "permission denied"],
  ])("ends the login failure of %s, on one line, with Vault's own words", (scenario, said) => {
    const { stderr } = out(scenario);
    expect(stderr.split("\n")).toEqual([expect.stringMatching(/^vault-secrets: ERROR: /), ""]);
    expect(stderr.slice(stderr.lastIndexOf(" Vault said: "))).toBe(` Vault said: ${said}\n`);
  });

  it("checks tools, variables, the ID token and VAULT_SECRETS before it calls Vault", () => {
    const early = ["bad_limit", "no_curl", "no_awk", "no_addr", "no_id_token", "bad_jwt", "bad_role", "unknown_path"];
    expect(servers.requests.filter((r) => early.includes(r.scenario))).toEqual([]);
    for (const scenario of early) expect([scenario, out(scenario).rc]).toEqual([scenario, 1]);
  });

  it("never prints a secret value, a Vault token or an ID token, whatever happens", () => {
    for (const name of [...SHELL_SCENARIOS, ...(["bash", "bb"] as const).flatMap((shell) => MATRIX_SCENARIOS.map((s) => matrixName(shell, s))), "note_first", "note_second"]) {
      const { stdout, stderr } = out(name);
      for (const value of SENSITIVE) expect([name, value, `${stdout}${stderr}`.includes(value)]).toEqual([name, value, false]);
    }
  });

  it("gives the plan job the plan role's token for Terraform and reads nothing else", () => {
    expect(out("plan").rc).toBe(0);
    const env = envOf("plan");
    expect(env.VAULT_TOKEN).toBe(TOKEN);
    expect(env).not.toHaveProperty("GITLAB_TOKEN");
    const requests = servers.requests.filter((r) => r.scenario === "plan");
    expect(requests.map((r) => `${r.method} ${r.path}`)).toEqual(["POST /v1/auth/jwt/login"]);
    expect(JSON.parse(requests[0].body).role).toBe("vault-ci-access-plan");
  });

  it("gives the apply job the apply role's token and the GitLab token from Vault", () => {
    expect(out("apply").rc).toBe(0);
    expect(envOf("apply")).toMatchObject({ VAULT_TOKEN: TOKEN, GITLAB_TOKEN: GITLAB_TOKEN_VALUE });
    const requests = servers.requests.filter((r) => r.scenario === "apply");
    expect(requests.map((r) => `${r.method} ${r.path}`)).toEqual(["POST /v1/auth/jwt/login", "GET /v1/secret/data/ci/vault-ci-access/gitlab-token"]);
    expect(JSON.parse(requests[0].body).role).toBe("vault-ci-access-apply");
  });

  it("posts the access diff as one merge-request note and updates it on the next push", () => {
    expect(out("note_first")).toMatchObject({ rc: 0, stdout: "mr-note: POST note on merge request !7\n" });
    expect(out("note_second")).toMatchObject({ rc: 0, stdout: "mr-note: PUT note on merge request !7\n" });
    expect(servers.notes).toEqual([{ id: 100, body: "<!-- access-diff -->\n- nexus-ci may no longer read secret/data/nexus/svc-datastore\n" }]);
    expect(servers.requests.filter((r) => r.scenario === "note").every((r) => r.privateToken === NOTE_TOKEN)).toBe(true);
    expect(out("note_without_token")).toMatchObject({ rc: 0, stdout: "mr-note: ACCESS_DIFF_NOTE_TOKEN is not set, so the access diff is only the job's artifact.\n" });
  });
});

/** The absolute path of a tool on PATH (for the PATHs that leave one out). */
function execPath(tool: string): string {
  for (const dir of (process.env.PATH ?? "").split(":")) if (existsSync(join(dir, tool))) return join(dir, tool);
  throw new Error(`${tool} is not installed: the CI template's tests need curl and jq (.ci/run installs them)`);
}
