import { mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { ROOT, synthStack } from "./support/fixtures";

// A password-shaped value that must never appear in anything this project writes.
const CANARY = "canary-Pa55word-7f3e9c1d2b";
const PASSWORD_ENV = {
  TF_VAR_svc_orchestrator_password: CANARY,
  TF_VAR_svc_executor_password: CANARY,
  TF_VAR_svc_deployer_password: CANARY,
};

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe("no password reaches the synthesized output", () => {
  it("is absent from cdk.tf.json and the manifest written by a real synth run with passwords in the environment", () => {
    const cwd = mkdtempSync(join(tmpdir(), "synth-secrets-"));
    execFileSync(process.execPath, [join(ROOT, "scripts", "synth.mjs"), "--config", join(ROOT, "access.yaml")], {
      cwd,
      env: { ...process.env, ...PASSWORD_ENV },
      stdio: "pipe",
    });
    const files = filesUnder(join(cwd, "cdktf.out"));
    expect(files.some((f) => f.endsWith("cdk.tf.json"))).toBe(true);
    for (const file of files) expect(readFileSync(file, "utf8")).not.toContain(CANARY);
  });

  it("is absent from the in-process synth and from every committed snapshot", () => {
    const saved = { ...process.env };
    Object.assign(process.env, PASSWORD_ENV);
    try {
      expect(JSON.stringify(synthStack())).not.toContain(CANARY);
    } finally {
      process.env = saved;
    }
    for (const file of filesUnder(join(ROOT, "__snapshots__"))) expect(readFileSync(file, "utf8")).not.toContain(CANARY);
  });

  it("leaves only variable references where passwords go: no string literal after `password =`", () => {
    const json = JSON.stringify(synthStack());
    const assignments = (json.match(/password = [^,})]+/g) ?? []).map((a) => a.trim());
    expect(assignments.length).toBe(3);
    for (const assignment of assignments) expect(assignment).toMatch(/^password = var\.svc_[a-z_]+_password$/);
    expect(json).not.toMatch(/"data_json"/);
  });
});
