// Issue 22 part 3: the settings that could redirect the data (ACCESS_CONFIG, ACCESS_STATE, --config, --state, --trust)
// are refused in the pipeline, the trust anchors are always the repository's own unless given explicitly, and no
// setting's value is echoed with its credentials.
import { mkdirSync, mkdtempSync, existsSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { parse, stringify } from "yaml";
import { ConfigError, loadTrust, parseDataFile } from "../lib/model/config";
import { trustAdmitting, trustFileFor } from "../lib/model/trust";
import { configFileFrom, describeError, inPipeline, loadSource, repositoryDataFile, synthOptionsFrom, UsageError } from "../lib/synth/cli";
import { currentStack, runAccessReport } from "../lib/review/access-cli";
import { GuardrailError, synthesizeInMemory } from "../lib/synth/synth";
import { DEFAULT_TEXT, ROOT } from "./support/data";
import { lintGitlabCi } from "./support/gitlab-ci-lint";

const PIPELINE = { GITLAB_CI: "true", CI: "true" };
const CREDENTIAL_URL = "https://user:pw@host/x?private_token=abc";
/** What must never be printed of CREDENTIAL_URL. */
const RAW = ["user:pw", "private_token=abc"];

/** The message of what `fn` throws (fails the test if it throws nothing). */
function thrown(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return describeError(e) ?? String(e);
  }
  throw new Error("expected an error");
}

/** The synth command in `cwd` with only PATH and `env` (as test/cli.test.ts runs it). */
function synthIn(cwd: string, args: string[], env: Record<string, string>) {
  return spawnSync(process.execPath, [join(ROOT, "scripts", "synth.mjs"), ...args], { cwd, env: { PATH: process.env.PATH ?? "", ...env }, encoding: "utf8" });
}

/** A folder like the docs/evil/: a data file trusting another GitLab and group, with a trust.yaml admitting exactly it. */
function evilFolder(): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), "evil-"));
  const data = parse(DEFAULT_TEXT);
  data.gitlab.url = "https://gitlab.evil.example";
  data.gitlab.groupId = 1;
  const file = join(dir, "access.yaml");
  writeFileSync(file, stringify(data));
  writeFileSync(join(dir, "trust.yaml"), stringify(trustAdmitting(data)));
  return { dir, file };
}

describe('in the pipeline (GITLAB_CI or CI is "true")', () => {
  it("is GitLab's GITLAB_CI=true or CI=true, not any other value", () => {
    expect(inPipeline({ GITLAB_CI: "true" })).toBe(true);
    expect(inPipeline({ CI: "true" })).toBe(true);
    expect(inPipeline({ CI: "1", GITLAB_CI: "" })).toBe(false);
    expect(inPipeline({})).toBe(false);
  });

  it.each([
    ["ACCESS_CONFIG", [], { ACCESS_CONFIG: "docs/evil/access.yaml" }, 'ACCESS_CONFIG="docs/evil/access.yaml"'],
    ["ACCESS_STATE", [], { ACCESS_STATE: "local" }, 'ACCESS_STATE="local"'],
    ["--config", ["--config", "docs/evil/access.yaml"], {}, '--config "docs/evil/access.yaml"'],
    ["--config=", ["--config=access.yaml"], {}, '--config "access.yaml"'],
    ["--state", ["--state", "gitlab"], {}, '--state "gitlab"'],
    ["--trust", ["--trust", "docs/evil/trust.yaml"], {}, '--trust "docs/evil/trust.yaml"'],
  ])("refuses %s, naming the setting and its value", (_name, args, env, named) => {
    for (const ci of [PIPELINE, { GITLAB_CI: "true" }, { CI: "true" }]) {
      const message = thrown(() => synthOptionsFrom(args, { ...ci, ...env }));
      expect(message).toContain(`synth: refused in the pipeline (GITLAB_CI or CI is "true"): ${named}.`);
      expect(message).toContain("reads only the repository's own access.yaml and trust.yaml");
    }
  });

  it("names every override at once", () => {
    expect(thrown(() => synthOptionsFrom(["--state", "local"], { ...PIPELINE, ACCESS_CONFIG: "a.yaml", ACCESS_STATE: "local" }))).toContain(
      '--state "local", ACCESS_CONFIG="a.yaml", ACCESS_STATE="local".',
    );
  });

  it("never echoes a setting's credentials", () => {
    for (const run of [
      () => synthOptionsFrom([], { ...PIPELINE, ACCESS_CONFIG: CREDENTIAL_URL }),
      () => synthOptionsFrom([], { ...PIPELINE, ACCESS_STATE: CREDENTIAL_URL }),
      () => synthOptionsFrom(["--config", CREDENTIAL_URL], PIPELINE),
      () => configFileFrom([`--config=${CREDENTIAL_URL}`], PIPELINE),
    ]) {
      const message = thrown(run);
      expect(message).toContain('"https://***@host/x?private_token=***"');
      for (const raw of RAW) expect(message).not.toContain(raw);
    }
  });

  it("reads the repository's own access.yaml, resolved from the repository root, whatever the current folder", () => {
    expect(synthOptionsFrom([], PIPELINE)).toEqual({ file: repositoryDataFile(), backend: { kind: "gitlab" } });
    expect(configFileFrom([], PIPELINE)).toBe(repositoryDataFile());
    expect(repositoryDataFile(ROOT)).toBe("access.yaml");
    expect(repositoryDataFile(join(ROOT, "docs"))).toBe(join(ROOT, "access.yaml"));
    expect(repositoryDataFile(tmpdir())).toBe(join(ROOT, "access.yaml"));
    expect(trustFileFor(repositoryDataFile())).toBe(join(ROOT, "trust.yaml"));
  });

  it("npm run access and access:diff refuse ACCESS_CONFIG and --config too", () => {
    expect(() => currentStack({ config: "docs/evil/access.yaml" }, PIPELINE)).toThrow(UsageError);
    expect(thrown(() => runAccessReport([], { ...PIPELINE, ACCESS_CONFIG: CREDENTIAL_URL }))).toContain('ACCESS_CONFIG="https://***@host/x?private_token=***"');
  });

  it("the synth command exits 1 naming the variable, and writes nothing (the issue's docs/evil/access.yaml)", () => {
    const { dir } = evilFolder();
    mkdirSync(join(dir, "docs", "evil"), { recursive: true });
    const run = synthIn(dir, [], { ...PIPELINE, ACCESS_CONFIG: "access.yaml" });
    expect(run.status).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain('synth: refused in the pipeline (GITLAB_CI or CI is "true"): ACCESS_CONFIG="access.yaml".');
    expect(existsSync(join(dir, "cdktf.out"))).toBe(false);
  });
});

describe("the trust anchors are always the repository's own, unless given explicitly", () => {
  it("takes examples/trust.yaml for a data file in examples/, else the root trust.yaml; never the one beside the data file", () => {
    expect(trustFileFor(join(ROOT, "examples", "project-role.yaml"))).toBe(join(ROOT, "examples", "trust.yaml"));
    expect(trustFileFor(join(ROOT, "access.yaml"))).toBe(join(ROOT, "trust.yaml"));
    expect(trustFileFor(join(ROOT, "docs", "evil", "access.yaml"))).toBe(join(ROOT, "trust.yaml"));
    expect(trustFileFor(join(ROOT, "examples-evil", "access.yaml"))).toBe(join(ROOT, "trust.yaml"));
    expect(trustFileFor(join(ROOT, "test", "fixtures", "access.yaml"))).toBe(join(ROOT, "trust.yaml"));
    expect(trustFileFor("/elsewhere/access.yaml")).toBe(join(ROOT, "trust.yaml"));
  });

  it("judges a data file that brings its own trust.yaml by the repository's: another GitLab and group 1 are refused", () => {
    const { file } = evilFolder();
    const source = parseDataFile(DEFAULT_TEXT.replace("https://gitlab.shared.cwiq.io", "https://gitlab.evil.example"), file);
    expect(source.trust).toEqual(loadTrust(join(ROOT, "access.yaml")));
    expect(() => synthesizeInMemory(source)).toThrow(GuardrailError);
    expect(() => synthesizeInMemory(source)).toThrow(/TRUST-001 .*gitlab\.evil\.example/);
  });

  it("outside the pipeline, --trust <file> gives other anchors explicitly (generated data)", () => {
    const { dir, file } = evilFolder();
    expect(synthOptionsFrom(["--config", file, "--trust", join(dir, "trust.yaml")], {})).toEqual({
      file,
      backend: { kind: "gitlab" },
      trustFile: join(dir, "trust.yaml"),
    });
    const source = loadSource(file, join(dir, "trust.yaml"));
    expect(source.config.gitlab.groupId).toBe(1);
    expect(() => synthesizeInMemory(source)).not.toThrow();
    // Without it, the same file is judged by the repository's trust.yaml.
    expect(() => synthesizeInMemory(loadSource(file))).toThrow(/TRUST-001/);
  });
});

describe("a data file or trust file that does not exist", () => {
  it("is named, with the folder a relative name is resolved from, not a bare ENOENT", () => {
    const cwd = mkdtempSync(join(tmpdir(), "no-data-"));
    expect(thrown(() => loadSource("staging.yaml", undefined, cwd))).toBe(
      `synth: the data file "staging.yaml" does not exist in ${cwd} (a relative name is resolved from the current folder)`,
    );
    expect(thrown(() => loadSource("/nowhere/staging.yaml", undefined, cwd))).toBe('synth: the data file "/nowhere/staging.yaml" does not exist');
    expect(thrown(() => loadSource(join(ROOT, "access.yaml"), "trust-x.yaml", cwd))).toBe(
      `synth: the trust file "trust-x.yaml" does not exist in ${cwd} (a relative name is resolved from the current folder)`,
    );
  });

  it("the synth command says so for --config and ACCESS_CONFIG, without the value's credentials", () => {
    const cwd = mkdtempSync(join(tmpdir(), "no-data-"));
    const byOption = synthIn(cwd, ["--config", "staging.yaml"], {});
    expect(byOption.status).toBe(1);
    expect(byOption.stderr).toBe(`synth: the data file "staging.yaml" does not exist in ${cwd} (a relative name is resolved from the current folder)\n`);
    const byVariable = synthIn(cwd, [], { ACCESS_CONFIG: CREDENTIAL_URL });
    expect(byVariable.status).toBe(1);
    expect(byVariable.stderr).toContain('the data file "https://***@host/x?private_token=***" does not exist');
    for (const raw of RAW) expect(byVariable.stderr).not.toContain(raw);
  });

  it("redacts a data file's name in every message of an invalid file too", () => {
    const error = new ConfigError(CREDENTIAL_URL, ["1:1: YAML: broken"]);
    const message = describeError(error) ?? "";
    for (const raw of RAW) expect(message).not.toContain(raw);
    expect(message).toContain(
      "synth refused: https://***@host/x?private_token=*** is not valid (1 problem); nothing was written.\nhttps://***@host/x?private_token=***:1:1: YAML: broken",
    );
  });

  it("redacts a bad --state value and an unknown argument", () => {
    for (const args of [["--state", CREDENTIAL_URL], [CREDENTIAL_URL]]) {
      const message = thrown(() => synthOptionsFrom(args, {}));
      for (const raw of RAW) expect(message).not.toContain(raw);
    }
  });
});

describe(".gitlab-ci.yml: synth, plan and apply fail when a variable redirects the data", () => {
  const { jobs, problems } = lintGitlabCi(".gitlab-ci.yml");
  // GitLab flattens a !reference's list into the script.
  const linesOf = (job: string, key: "script" | "before_script") => (jobs[job][key] as unknown[]).flat(10) as string[];
  const guard = (job: string, key: "script" | "before_script") => linesOf(job, key).filter((line) => /ACCESS_(CONFIG|STATE)/.test(line));
  const run = (lines: string[], env: Record<string, string>) =>
    spawnSync("sh", ["-c", `${lines.join("\n")}\necho ran`], { env: { PATH: process.env.PATH ?? "", ...env }, encoding: "utf8" });

  it.each([
    ["synth", "script"],
    ["plan:merge-request", "before_script"],
    ["plan:default-branch", "before_script"],
    ["apply", "before_script"],
  ] as const)("%s checks first, before anything reads the data or state", (job, key) => {
    expect(problems).toEqual([]);
    expect(linesOf(job, key).slice(0, 2)).toEqual(guard(job, key));
    expect(guard(job, key)).toHaveLength(2);
    expect(run(guard(job, key), {}).stdout).toBe("ran\n");
    expect(run(guard(job, key), { ACCESS_CONFIG: "", ACCESS_STATE: "" }).stdout).toBe("ran\n");
    for (const name of ["ACCESS_CONFIG", "ACCESS_STATE"]) {
      const refused = run(guard(job, key), { [name]: CREDENTIAL_URL });
      expect(refused.status).toBe(1);
      expect(refused.stdout).toBe("");
      expect(refused.stderr).toContain(`refused: ${name} is set`);
      for (const raw of RAW) expect(refused.stderr).not.toContain(raw);
    }
  });
});
