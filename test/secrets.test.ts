import { mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadDataFile } from "../lib/config";
import { synthesize } from "../lib/synth";
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
  it("is absent from cdk.tf.json and the manifest that synth writes with passwords in the environment", () => {
    const outdir = join(mkdtempSync(join(tmpdir(), "synth-secrets-")), "cdktf.out");
    const saved = { ...process.env };
    Object.assign(process.env, PASSWORD_ENV);
    try {
      synthesize(loadDataFile(join(ROOT, "access.yaml")), { kind: "local" }, outdir);
    } finally {
      process.env = saved;
    }
    const files = filesUnder(outdir);
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
