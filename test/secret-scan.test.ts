/**
 * The maintained secret scanner of CI (.ci/secret-scan.sh: secretlint's recommended rules, .secretlintrc.yml): it
 * passes on this repository as it is, and it really runs and fails on a planted credential. The credential is put
 * together at run time in a temporary folder, so that the repository holds none.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const SCRIPT = join(__dirname, "..", ".ci", "secret-scan.sh");

function scan(dir?: string): { status: number | null; output: string } {
  const run = spawnSync("bash", [SCRIPT, ...(dir ? [dir] : [])], { encoding: "utf8", env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" } });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

/** A git folder (the script lists files with git) holding `files`. */
function folderWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "secret-scan-"));
  expect(spawnSync("git", ["init", "-q", dir]).status).toBe(0);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe(".ci/secret-scan.sh", () => {
  it("passes on every file of this repository", () => {
    const { status, output } = scan();
    expect(output).toMatch(/^secretlint: \d+ files, no secret found$/m);
    expect(status).toBe(0);
  });

  it("fails on a planted GitHub token, naming the file, line, column and rule, with the token masked", () => {
    const token = ["ghp", "_", "R2d2C3po", "x".repeat(28)].join("");
    const dir = folderWith({ "ci.env": `# deploy\nGITHUB_TOKEN=${token}\n`, "notes.txt": "nothing to see\n" });
    const { status, output } = scan(dir);
    expect(status).toBe(1);
    expect(output).toContain(join(dir, "ci.env"));
    // secretlint counts columns from 0: the token starts after the 13 characters of `GITHUB_TOKEN=`.
    expect(output).toMatch(/2:13 +error +\[GITHUB_TOKEN\] found GitHub Token/);
    expect(output).not.toContain("notes.txt");
    expect(output).not.toContain(token);
  });

  it("allows the attack corpus's made-up URL password only as written there: another one is found", () => {
    const url = ["https://admin", ":", "Hunter3pass", "@gitlab.shared.cwiq.io"].join("");
    const { status, output } = scan(folderWith({ "data.yaml": `url: ${url}\n` }));
    expect(status).toBe(1);
    expect(output).toMatch(/\[BasicAuth\] found basic auth credential/);
  });
});
