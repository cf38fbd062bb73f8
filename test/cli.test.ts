import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawn, spawnSync } from "node:child_process";
import { configFileFrom, synthOptionsFrom } from "../lib/synth/cli";
import { loadDataFile } from "../lib/model/config";
import { synthesize } from "../lib/synth/synth";
import { DEFAULT_TEXT, ROOT } from "./support/data";

/**
 * The synth command in `cwd`, with only PATH and `env` in its environment: an operator's exported TF_HTTP_ADDRESS,
 * ACCESS_CONFIG, CDKTF_OUTDIR or TF_VAR_* would otherwise change what it writes (test/live-data.test.ts and the
 * rest read no environment at all).
 */
function synthIn(cwd: string, args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [join(ROOT, "scripts", "synth.mjs"), ...args], { cwd, env: { PATH: process.env.PATH ?? "", ...env }, encoding: "utf8" });
}

describe("npm run synth (scripts/synth.mjs + main.ts)", () => {
  it("writes cdktf.out/stacks/<stack>/cdk.tf.json for --config and prints a summary, never a password from the environment", () => {
    const cwd = mkdtempSync(join(tmpdir(), "synth-ok-"));
    writeFileSync(join(cwd, "staging.yaml"), DEFAULT_TEXT.replace("stack: cwiq", "stack: staging"));
    copyFileSync(join(ROOT, "trust.yaml"), join(cwd, "trust.yaml"));
    const canary = "canary-Pa55word-cli-4e1b";
    const run = synthIn(cwd, ["--config", "staging.yaml"], { TF_VAR_svc_executor_password: canary, TF_VAR_svc_orchestrator_password: canary });
    expect(run.stdout + readFileSync(join(cwd, "cdktf.out", "stacks", "staging", "cdk.tf.json"), "utf8")).not.toContain(canary);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('Synthesized stack "staging" from staging.yaml -> cdktf.out/stacks/staging/cdk.tf.json');
    expect(run.stdout).toMatch(/role {6}nexus-ci: namespace_id=9; aud https:\/\/gitlab\.shared\.cwiq\.io; ttl 15m\/30m, 20 uses; 6 read policies/);
    const written = readFileSync(join(cwd, "cdktf.out", "stacks", "staging", "cdk.tf.json"), "utf8");
    expect(Object.keys(JSON.parse(written).resource.vault_kv_secret_v2)).toHaveLength(3);
    // The command skips cdktf's creation stack traces (lib/synth/creation-stacks.ts); an in-process synth keeps them.
    const inProcess = join(mkdtempSync(join(tmpdir(), "synth-in-process-")), "cdktf.out");
    synthesize(loadDataFile(join(cwd, "staging.yaml")), { kind: "gitlab" }, inProcess);
    expect(written).toBe(readFileSync(join(inProcess, "stacks", "staging", "cdk.tf.json"), "utf8"));
  });

  it("refuses bad data with every problem, the guardrails' on the rest of the file too, exit code 1, and writes nothing", () => {
    const cwd = mkdtempSync(join(tmpdir(), "synth-bad-"));
    copyFileSync(join(ROOT, "trust.yaml"), join(cwd, "trust.yaml"));
    writeFileSync(join(cwd, "bad.yaml"), DEFAULT_TEXT.replace("name: svc-executor", "name: svc_executor").replace("url: https://vault", "url: http://vault").replace("boundClaimsType: string", "boundClaimsType: glob"));
    const run = synthIn(cwd, [], { ACCESS_CONFIG: "bad.yaml" });
    expect(run.status).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toBe(
      [
        "synth refused: bad.yaml is not valid (2 problems; the guardrails found 1 more violation in the rest of the file); nothing was written.",
        'bad.yaml:19:8: vault.url: "http://vault.shared.cwiq.io": must be an https URL with a host and nothing after it (no path, query, user or trailing slash)',
        'bad.yaml:89:11: accounts[1].name: "svc_executor": must match ^svc-[a-z0-9-]+$',
        'JWT-005 cdktf.out/stacks/cwiq/cdk.tf.json:vault_jwt_auth_backend_role.nexus-ci.bound_claims_type: is "glob", must be "string"; from roles[0] at bad.yaml:26:5 (fix: use boundClaimsType "string" (one exact value per claim))',
        "",
      ].join("\n"),
    );
    expect(existsSync(join(cwd, "cdktf.out"))).toBe(false);
  });
});

describe("--help of every npm script this repository defines (npm run bench: its own issue)", () => {
  // The script behind each command (package.json), run as npm runs it; in an empty folder, so that a command that
  // wrote its output instead of answering would leave it there.
  const COMMANDS: [string, string[]][] = [
    ["synth", ["scripts/synth.mjs"]],
    ["account:add", ["scripts/run.mjs", "scripts/account-add.ts"]],
    ["access", ["scripts/run.mjs", "scripts/access.ts"]],
    ["access:diff", ["scripts/run.mjs", "scripts/access-diff.ts"]],
    ["ci-template", ["scripts/run.mjs", "scripts/ci-template.ts"]],
    ["rules", ["scripts/run.mjs", "scripts/rules-table.ts"]],
    ["test", ["scripts/test.mjs"]],
    ["e2e:tools", ["scripts/e2e-tools.mjs"]],
  ];

  it("lists exactly the commands package.json defines, but bench and the tools' own (typecheck: tsc, test:mutation: stryker, test:e2e and test:e2e:provider: jest, lint and format: biome)", () => {
    const scripts = Object.keys(JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).scripts).sort();
    expect(scripts.filter((name) => !["bench", "typecheck", "test:mutation", "test:e2e", "test:e2e:provider", "lint", "format"].includes(name))).toEqual(COMMANDS.map(([name]) => name).sort());
  });

  // All at once (each is a Node process that loads its bundle): one after the other, they were the slowest part of npm test.
  const rulesDoc = readFileSync(join(ROOT, "docs", "RULES.md"), "utf8"); // what npm run rules writes
  const helpRuns = new Map<string, Promise<{ status: number | null; stdout: string; stderr: string; cwd: string }>>();
  beforeAll(() => {
    for (const [name, [entry, ...rest]] of COMMANDS) {
      const cwd = mkdtempSync(join(tmpdir(), "help-"));
      const child = spawn(process.execPath, [join(ROOT, entry), ...rest, "--help"], { cwd, env: { PATH: process.env.PATH ?? "" } });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d) => (stdout += d));
      child.stderr.on("data", (d) => (stderr += d));
      helpRuns.set(name, new Promise((resolve) => child.on("close", (status) => resolve({ status, stdout, stderr, cwd }))));
    }
  });

  it.each(COMMANDS)("npm run %s -- --help prints usage, options and exit codes, exits 0, and writes nothing", async (name) => {
    const run = await helpRuns.get(name)!;
    // After an edit, all but one of them wait for the one that rebuilds the commands' bundle, and say so.
    expect({ status: run.status, stderr: run.stderr.replace(/^Waiting for another command's build of dist\/commands\.js \(lock dist\/commands\.js\.lock\)\n$/, "") }).toEqual({ status: 0, stderr: "" });
    expect(run.stdout).toMatch(new RegExp(`^usage: npm (run ${name.replace(":", "\\:")}|test)\\b`));
    expect(run.stdout).toMatch(/\nexit codes:\n {2}0 /);
    expect(readdirSync(run.cwd)).toEqual([]);
    expect(readFileSync(join(ROOT, "docs", "RULES.md"), "utf8")).toBe(rulesDoc);
  }, 30_000); // a command whose bundle is stale is bundled first (scripts/run.mjs): seconds on a busy machine
});

describe("configFileFrom", () => {
  it("takes --config <file>, then --config=<file>, then $ACCESS_CONFIG, then access.yaml", () => {
    expect(configFileFrom(["--config", "a.yaml"], { ACCESS_CONFIG: "b.yaml" })).toBe("a.yaml");
    expect(configFileFrom(["--config=c.yaml"], {})).toBe("c.yaml");
    expect(configFileFrom([], { ACCESS_CONFIG: "b.yaml" })).toBe("b.yaml");
    expect(configFileFrom([], {})).toBe("access.yaml");
  });

  it("rejects a missing file name and unknown arguments", () => {
    expect(() => configFileFrom(["--config"], {})).toThrow("--config needs a value");
    expect(() => configFileFrom(["--conf", "x"], {})).toThrow('unknown argument "--conf"');
  });
});

describe("synthOptionsFrom", () => {
  it("uses GitLab-managed state unless --state local or ACCESS_STATE=local asks for a state file", () => {
    expect(synthOptionsFrom([], {})).toEqual({ file: "access.yaml", backend: { kind: "gitlab" } });
    expect(synthOptionsFrom(["--state", "local"], {}).backend).toEqual({ kind: "local" });
    expect(synthOptionsFrom(["--state=local", "--config", "a.yaml"], {})).toEqual({ file: "a.yaml", backend: { kind: "local" } });
    expect(synthOptionsFrom([], { ACCESS_STATE: "local", ACCESS_CONFIG: "b.yaml" })).toEqual({ file: "b.yaml", backend: { kind: "local" } });
  });

  it("ignores TF_HTTP_ADDRESS: terraform init reads it, synth never does", () => {
    expect(synthOptionsFrom([], { TF_HTTP_ADDRESS: "https://user:tok@gitlab/state?private_token=x" }).backend).toEqual({ kind: "gitlab" });
  });

  it("refuses an unknown state kind, a missing value and unknown arguments", () => {
    expect(() => synthOptionsFrom(["--state", "s3"], {})).toThrow('--state "s3": must be one of gitlab, local');
    expect(() => synthOptionsFrom(["--state"], {})).toThrow("--state needs a value");
    expect(() => synthOptionsFrom(["--stat", "local"], {})).toThrow('unknown argument "--stat"');
  });
});


describe("scripts/run.mjs", () => {
  it("serves the synth and every command in package.json written in TypeScript from the one bundle of scripts/commands.ts", () => {
    const listed = spawnSync(process.execPath, ["--input-type=module", "-e", `import { COMMAND_ENTRIES } from ${JSON.stringify(join(ROOT, "scripts", "run.mjs"))}; console.log(JSON.stringify(COMMAND_ENTRIES))`], { encoding: "utf8" });
    const entries = JSON.parse(listed.stdout) as string[];
    const { COMMANDS } = require("../scripts/commands") as typeof import("../scripts/commands");
    expect(Object.keys(COMMANDS).sort()).toEqual([...entries].sort());
    const scripts = Object.values(JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).scripts as Record<string, string>);
    const viaRun = scripts.flatMap((script) => /^node scripts\/run\.mjs (\S+)$/.exec(script)?.[1] ?? []).filter((entry) => entry !== "scripts/bench.ts");
    expect(entries.filter((entry) => entry !== "main.ts").sort()).toEqual(viaRun.sort());
  });

  /** A tree with run.mjs and an entry of its own (`entry.ts` prints `ran`), and this repository's packages. */
  function treeWithEntry(): string {
    const dir = mkdtempSync(join(tmpdir(), "run-mjs-"));
    mkdirSync(join(dir, "scripts"));
    copyFileSync(join(ROOT, "scripts", "run.mjs"), join(dir, "scripts", "run.mjs"));
    symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
    writeFileSync(join(dir, "entry.ts"), 'const said: string = "ran";\nconsole.log(said);\n');
    return dir;
  }
  const runIn = (dir: string) => {
    const child = spawn(process.execPath, [join(dir, "scripts", "run.mjs"), "entry.ts"], { cwd: dir });
    const out = { stdout: "", stderr: "" };
    child.stdout.on("data", (d) => (out.stdout += d));
    child.stderr.on("data", (d) => (out.stderr += d));
    const closed = new Promise<number | null>((resolve) => child.on("close", resolve));
    return { out, closed };
  };

  it("builds a stale bundle only once: a command that finds another's build under way waits for it, and says so", async () => {
    const dir = treeWithEntry();
    const lock = join(dir, "dist", "entry.js.lock");
    mkdirSync(lock, { recursive: true }); // another command's build, under way
    const { out, closed } = runIn(dir);
    let exited = false;
    void closed.then(() => (exited = true));
    while (!out.stderr.includes("Waiting") && !exited) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(out.stderr).toBe("Waiting for another command's build of dist/entry.js (lock dist/entry.js.lock)\n");
    expect(existsSync(join(dir, "dist", "entry.js"))).toBe(false); // it waits, and builds nothing meanwhile
    rmSync(lock, { recursive: true }); // that build failed: this command builds the bundle itself
    expect(await closed).toBe(0);
    expect(out.stdout).toBe("ran\n");
    expect(readdirSync(join(dir, "dist")).sort()).toEqual(["entry.inputs.json", "entry.js", "entry.js.cache"]);
  }, 30_000);

  it("takes over a lock left by a build that died (older than a minute)", async () => {
    const dir = treeWithEntry();
    const lock = join(dir, "dist", "entry.js.lock");
    mkdirSync(lock, { recursive: true });
    const twoMinutesAgo = new Date(Date.now() - 120_000);
    utimesSync(lock, twoMinutesAgo, twoMinutesAgo);
    const { out, closed } = runIn(dir);
    expect(await closed).toBe(0);
    expect(out.stdout).toBe("ran\n");
    expect(existsSync(lock)).toBe(false);
  }, 30_000);
});

describe("an in-memory synth (npm run access)", () => {
  it("leaves no scratch folder behind: cdktf's App gets one per process, removed when the process exits", () => {
    const tmp = mkdtempSync(join(tmpdir(), "scratch-"));
    const run = spawnSync(process.execPath, [join(ROOT, "scripts", "run.mjs"), "scripts/access.ts", "--config", join(ROOT, "test", "fixtures", "cwiq-frozen.yaml"), "--out", "-"], {
      cwd: tmp,
      env: { PATH: process.env.PATH ?? "", TMPDIR: tmp },
      encoding: "utf8",
    });
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: "" });
    expect(run.stdout).toContain("nexus-ci");
    expect(readdirSync(tmp)).toEqual([]);
  });
});
