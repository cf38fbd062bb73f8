// `npm run access:diff`'s base: a git revision only, built from that commit's own tree in a scratch folder that is
// always removed; in a GitLab pipeline, GitLab's merge base and nothing else; a renamed stack reported as a rename.
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { loadDataFile } from "../lib/model/config";
import { synthesizeInMemory } from "../lib/synth/synth";
import { diffTerraform, EXIT_ACCESS_WIDENS, renderAccessDiff } from "../lib/review/access-diff";
import { loadBase, runAccessDiff } from "../lib/review/access-cli";
import { DEFAULT_FILE, DEFAULT_TEXT, ROOT } from "./support/fixtures";

/**
 * A scratch git repository holding this checkout's committed tree as its first commit, so that a base is a real
 * commit built by its own code. `commit` edits files in its working tree and commits them; returns the commit.
 */
function scratchRepository(): { dir: string; commit: (message: string, edit?: (dir: string) => void) => string } {
  const dir = mkdtempSync(join(tmpdir(), "access-diff-repo-"));
  const git = (...args: string[]) =>
    execFileSync("git", ["-C", dir, "-c", "user.name=test", "-c", "user.email=test@example.invalid", "-c", "commit.gpgsign=false", ...args], {
      encoding: "utf8",
    }).trim();
  git("init", "-q");
  execFileSync("tar", ["-x", "-C", dir], { input: execFileSync("git", ["-C", ROOT, "archive", "--format=tar", "HEAD"], { maxBuffer: 512 * 1024 * 1024 }) });
  const commit = (message: string, edit?: (dir: string) => void) => {
    edit?.(dir);
    git("add", "-A");
    git("commit", "-q", "--allow-empty", "-m", message);
    return git("rev-parse", "HEAD");
  };
  return { dir, commit };
}

const FIXTURE = relative(ROOT, DEFAULT_FILE);
function editFile(file: string, from: string, to: string): void {
  const text = readFileSync(file, "utf8");
  if (!text.includes(from)) throw new Error(`${file} has no ${JSON.stringify(from)}`);
  writeFileSync(file, text.replace(from, to));
}
/** The scratch folders a base is built in (under os.tmpdir()): none may be left after a run. */
const baseFolders = () => readdirSync(tmpdir()).filter((name) => name.startsWith("cwiq-access-base-"));

let HEAD_TF: any;
let repo: ReturnType<typeof scratchRepository>;
/** The frozen fixture as committed, and a base commit where the stack had another name and a shorter max TTL. */
let original: string;
let base: string;
beforeAll(() => {
  HEAD_TF = synthesizeInMemory(loadDataFile(DEFAULT_FILE));
  repo = scratchRepository();
  original = repo.commit("the frozen fixture");
  base = repo.commit("base: stack cwiq-old, tokenMaxTtl 20m", (dir) => {
    editFile(join(dir, FIXTURE), "stack: cwiq\n", "stack: cwiq-old\n");
    editFile(join(dir, FIXTURE), "tokenMaxTtl: 30m", "tokenMaxTtl: 20m");
  });
  // Head: the working tree back at the fixture as frozen (not committed); the base commit keeps its own.
  writeFileSync(join(repo.dir, FIXTURE), DEFAULT_TEXT);
});
const diff = (args: string[], env: NodeJS.ProcessEnv = {}) => runAccessDiff([...args, "--config", join(repo.dir, FIXTURE)], env, repo.dir);
const RENAME =
  "~ stack renamed cwiq-old -> cwiq (counted as wider: a new Terraform state, terraform/state/cwiq; the next plan creates every resource again, and what the state of cwiq-old manages stays in Vault, managed by nothing)";

describe("npm run access:diff against a git revision", () => {
  it("builds the base from the commit's own code, data file and trust file, reports the stack rename, and exits 3", () => {
    const { note, exitCode } = diff([base]);
    expect(exitCode).toBe(EXIT_ACCESS_WIDENS);
    expect(note).toContain(`## Access change against \`${base} (${base.slice(0, 12)})\``);
    // The working tree's data file says cwiq and 30m: these lines exist only because the base read its own.
    expect(note).toContain(`### Widening (2)\n\n\`\`\`diff\n${RENAME}\n~ nexus-ci token_max_ttl 20m -> 30m (wider)\n\`\`\``);
    expect(baseFolders()).toEqual([]);
  });

  it("ignores a folder named like the base commit holding the checkout's own cdk.tf.json: the commit is built", () => {
    const decoy = join(repo.dir, base);
    mkdirSync(decoy);
    writeFileSync(join(decoy, "cdk.tf.json"), JSON.stringify(HEAD_TF)); // read as the base, it would say "No access change"
    const previous = process.cwd();
    process.chdir(repo.dir); // as in the pipeline: the argument is also that folder's relative path
    try {
      const { note, exitCode } = diff([base]);
      expect(note).not.toContain("No access change");
      expect(note).toContain("~ nexus-ci token_max_ttl 20m -> 30m (wider)");
      expect(exitCode).toBe(EXIT_ACCESS_WIDENS);
    } finally {
      process.chdir(previous);
      rmSync(decoy, { recursive: true, force: true });
    }
  });

  it("refuses a path as the base, even a folder holding a synthesized stack, saying what is allowed", () => {
    const dir = mkdtempSync(join(tmpdir(), "access-diff-decoy-"));
    writeFileSync(join(dir, "cdk.tf.json"), JSON.stringify(HEAD_TF));
    expect(() => diff([dir])).toThrow(
      `base ${JSON.stringify(dir)} is not a git revision of ${repo.dir} (git rev-parse --verify ${JSON.stringify(dir)}^{commit} failed). It is a path on disk, and a synthesized stack on disk is not accepted as the base. Allowed: a branch, tag or commit, which is built from its own tree.`,
    );
    expect(() => diff([join(dir, "cdk.tf.json")])).toThrow("It is a path on disk");
    expect(() => diff(["no-such-revision"])).toThrow('base "no-such-revision" is not a git revision of');
    expect(() => diff(["no-such-revision"])).not.toThrow("path on disk");
    expect(() => loadBase("-q", {}, "cwiq", {}, repo.dir)).toThrow('base "-q" is not a git revision');
    expect(() => diff(["https://user:hunter2@example.invalid/x"])).toThrow('base "https://***@example.invalid/x" is not a git revision');
  });

  it("in a GitLab pipeline, accepts only $CI_MERGE_REQUEST_DIFF_BASE_SHA as the base, naming both when they differ", () => {
    // In the pipeline this side's --config is refused before the base is looked at (lib/synth/cli.ts): the base alone.
    const baseIn = ([rev]: string[], env: NodeJS.ProcessEnv) => loadBase(rev, { config: join(repo.dir, FIXTURE) }, "cwiq", env, repo.dir);
    expect(() => baseIn([original], { GITLAB_CI: "true", CI_MERGE_REQUEST_DIFF_BASE_SHA: base })).toThrow(
      `base ${JSON.stringify(original)} (${original}) refused: in a merge-request pipeline the base must be $CI_MERGE_REQUEST_DIFF_BASE_SHA = ${JSON.stringify(base)} (${base})`,
    );
    expect(() => diff(["HEAD~1"], { CI_MERGE_REQUEST_DIFF_BASE_SHA: base })).toThrow(`base "HEAD~1" (${original}) refused`);
    expect(() => baseIn([base], { GITLAB_CI: "true" })).toThrow(
      `base ${JSON.stringify(base)} (${base}) refused: this runs in GitLab CI, where the base must be $CI_MERGE_REQUEST_DIFF_BASE_SHA, and $CI_MERGE_REQUEST_DIFF_BASE_SHA is not set`,
    );
    expect(() => baseIn([base], { GITLAB_CI: "true", CI_MERGE_REQUEST_DIFF_BASE_SHA: "https://user:hunter2@example.invalid/x" })).toThrow(
      'must be $CI_MERGE_REQUEST_DIFF_BASE_SHA = "https://***@example.invalid/x" (not a commit of this clone: fetch it)',
    );
    // The same commit by another name is the same base.
    expect(
      loadBase("HEAD", { config: join(repo.dir, FIXTURE) }, "cwiq", { GITLAB_CI: "true", CI_MERGE_REQUEST_DIFF_BASE_SHA: base.slice(0, 12) }, repo.dir)
        .stackName,
    ).toBe("cwiq-old");
  });

  it("reads the base's data file at the same path inside the repository, and refuses one outside it", () => {
    const outside = mkdtempSync(join(tmpdir(), "access-outside-"));
    writeFileSync(join(outside, "access.yaml"), DEFAULT_TEXT);
    copyFileSync(join(dirname(DEFAULT_FILE), "trust.yaml"), join(outside, "trust.yaml"));
    expect(() => runAccessDiff([base, "--config", join(outside, "access.yaml")], {}, repo.dir)).toThrow(
      `--config ${JSON.stringify(join(outside, "access.yaml"))} is outside the repository ${repo.dir}: the base reads its own data file at the same path in the base commit`,
    );
    const added = join(repo.dir, "test", "fixtures", "staging.yaml");
    copyFileSync(DEFAULT_FILE, added);
    try {
      expect(() => runAccessDiff([base, "--config", added], {}, repo.dir)).toThrow(
        `base ${base} (${base.slice(0, 12)}) has no data file test/fixtures/staging.yaml: compare with a commit that has it`,
      );
    } finally {
      rmSync(added);
    }
    expect(baseFolders()).toEqual([]); // removed after a failed build too
  });

  it("exits 3 when only an unmodelled attribute differs from the base commit's stack (this side from --json)", () => {
    const dir = mkdtempSync(join(tmpdir(), "access-diff-unclassified-"));
    const head = structuredClone(HEAD_TF);
    head.resource.vault_jwt_auth_backend_role["nexus-ci"].groups_claim = "groups";
    writeFileSync(join(dir, "cdk.tf.json"), JSON.stringify(head));
    const { note, exitCode } = runAccessDiff([original, "--json", dir], {}, repo.dir);
    expect(exitCode).toBe(EXIT_ACCESS_WIDENS);
    expect(note).toContain("```diff\n~ vault_jwt_auth_backend_role.nexus-ci groups_claim changed: not modelled by the access diff\n```");
  });
});

describe("a renamed stack (diffTerraform)", () => {
  it("is one widening line, not every resource removed and added, and only when both names are known and differ", () => {
    const changes = diffTerraform(HEAD_TF, HEAD_TF, { base: "cwiq-old", head: "cwiq" });
    expect(changes).toEqual([{ impact: "widening", line: RENAME }]);
    expect(renderAccessDiff(changes, "main")).toContain("**Access widens: 1 change needs a security owner's approval.**");
    expect(diffTerraform(HEAD_TF, HEAD_TF, { base: "cwiq", head: "cwiq" })).toEqual([]);
    expect(diffTerraform(HEAD_TF, HEAD_TF, { base: "cwiq" })).toEqual([]);
  });
});
