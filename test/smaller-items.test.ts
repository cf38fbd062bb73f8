// The smaller items of issue 23, each with its test: a list where one id is expected, the access diff after adoption,
// a relative --config from a subfolder, and how to get npm 11 on Node 20 (the stale lock: test/stale-lock.test.ts).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { diffTerraform } from "../lib/review/access-diff";
import { dataFileFrom, fromInvocationFolder, synthOptionsFrom } from "../lib/synth/cli";
import { runAccountAdd } from "../lib/operations/account-add";
import { configFrom, DEFAULT_TEXT, defaultData, problemsAfter, ROOT, synthStack } from "./support/fixtures";

describe("a list where one id is expected", () => {
  const pipelineData = () => parse(readFileSync(join(ROOT, "examples", "with-pipeline.yaml"), "utf8"));

  it("names the field and says one id, not a list, and what to do for several", () => {
    expect(problemsAfter(pipelineData(), (d) => (d.pipeline.projectId = [4242, 4243]))).toEqual([
      'pipeline.projectId: [4242,4243]: must be one project id, a positive whole number (Settings > General, "Project ID"), not a list: both pipeline roles are bound to this repository\'s project alone',
    ]);
    expect(problemsAfter(defaultData(), (d) => (d.roles[0].boundClaims = { project_id: ["4242", "4243"] }))).toEqual([
      'roles[0].boundClaims.project_id: ["4242","4243"]: must be one exact value, a non-empty string or a positive whole number such as "4242", not a list: a role is bound to one project; for several, declare one role each (a comma-separated value is refused too, JWT-006)',
    ]);
    expect(problemsAfter(defaultData(), (d) => (d.gitlab.groupId = [9]))).toEqual([
      "gitlab.groupId: [9]: must be one group id, a positive whole number, not a list: the roles, VAULT_ADDR and the trust anchors name one group",
    ]);
  });

  it("says what is allowed for another wrong type too, and still accepts one id", () => {
    expect(problemsAfter(defaultData(), (d) => (d.roles[0].boundClaims.namespace_id = { id: 9 }))).toEqual([
      'roles[0].boundClaims.namespace_id: {"id":9}: must be one exact value, a non-empty string or a positive whole number such as "4242"',
    ]);
    expect(problemsAfter(pipelineData(), (d) => (d.pipeline.projectId = "x"))).toEqual([
      'pipeline.projectId: "x": must be one project id, a positive whole number (Settings > General, "Project ID")',
    ]);
    expect(configFrom(pipelineData()).pipeline?.projectId).toBe(4242);
  });
});

describe("the access diff of adoption", () => {
  const handSet = (adopt: boolean) => {
    const data = defaultData();
    if (adopt) data.adopt = true;
    for (const account of data.accounts) account.passwordVersion = 0;
    return synthStack(configFrom(data));
  };

  it("names each secret a removed block keeps out of Terraform, by its address, as neutral; never a list position", () => {
    const lines = diffTerraform(synthStack(), handSet(true));
    const kept = lines.filter((c) => c.line.includes("kept out of Terraform"));
    expect(kept).toEqual(
      ["svc-deployer", "svc-executor", "svc-orchestrator"].map((name) => ({
        impact: "neutral",
        line: `+ vault_kv_secret_v2.${name} kept out of Terraform: no longer managed, not destroyed (a removed block; what Vault holds stays as it is)`,
      })),
    );
    expect(lines.filter((c) => /^~ removed /.test(c.line))).toEqual([]);
    // The way back (a first rotation of each): the same addresses, no longer kept out.
    expect(diffTerraform(handSet(false), synthStack()).filter((c) => c.line.includes("kept out of Terraform"))).toEqual(
      ["svc-deployer", "svc-executor", "svc-orchestrator"].map((name) => ({
        impact: "neutral",
        line: `- vault_kv_secret_v2.${name} no longer kept out of Terraform (its removed block is gone)`,
      })),
    );
  });

  it("still lists a removed block that destroys as unclassified", () => {
    const head = handSet(false);
    head.removed[0] = { ...head.removed[0], lifecycle: { destroy: true } };
    const lines = diffTerraform(synthStack(), head);
    expect(lines.filter((c) => c.impact === "unclassified").map((c) => c.line)).toEqual([
      expect.stringMatching(/^~ removed .*not modelled by the access diff$/),
    ]);
  });
});

describe("a relative --config given in a subfolder", () => {
  // What npm sets for a script of this package, started in `folder`.
  const npmIn = (folder: string) => ({ INIT_CWD: folder, npm_package_json: join(ROOT, "package.json") });

  it("is read from the folder npm was started in (INIT_CWD), not from the package root npm runs the script in", () => {
    expect(fromInvocationFolder("project-role.yaml", npmIn(join(ROOT, "examples")), ROOT)).toBe(join("examples", "project-role.yaml"));
    expect(fromInvocationFolder("../access.yaml", npmIn(join(ROOT, "docs")), ROOT)).toBe("access.yaml");
    expect(fromInvocationFolder("staging.yaml", npmIn("/elsewhere"), ROOT)).toBe("/elsewhere/staging.yaml");
    expect(fromInvocationFolder("staging.yaml", npmIn(ROOT), ROOT)).toBe("staging.yaml");
    expect(fromInvocationFolder("/abs/staging.yaml", npmIn("/elsewhere"), ROOT)).toBe("/abs/staging.yaml");
    expect(fromInvocationFolder("staging.yaml", {}, ROOT)).toBe("staging.yaml");
  });

  it("is the process's own folder's name in a process npm did not start there (it inherited INIT_CWD: access:diff's base synth)", () => {
    expect(fromInvocationFolder("access.yaml", npmIn("/elsewhere"), "/tmp/base-checkout")).toBe("access.yaml");
    expect(fromInvocationFolder("access.yaml", { INIT_CWD: "/elsewhere" }, ROOT)).toBe("access.yaml");
  });

  it("by synth (--config and --trust), access and account:add", () => {
    const env = npmIn("/elsewhere");
    expect(synthOptionsFrom(["--config", "staging.yaml", "--trust", "trust.yaml"], env)).toMatchObject({
      file: "/elsewhere/staging.yaml",
      trustFile: "/elsewhere/trust.yaml",
    });
    expect(dataFileFrom("staging.yaml", env)).toBe("/elsewhere/staging.yaml");
    let read: string | undefined;
    const run = runAccountAdd(["svc-datastore", "--permissions", "docker:read-write", "--readers", "nexus-ci", "--config", "staging.yaml"], {
      update: (file, edit) => {
        read = file;
        edit(DEFAULT_TEXT);
      },
      env,
    });
    expect(run.code).toBe(0);
    expect(read).toBe("/elsewhere/staging.yaml");
  });
});

describe("README.md", () => {
  it("says how to get npm 11 on Node 20, beside the requirement", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const prerequisites = readme.slice(readme.indexOf("## Prerequisites"), readme.indexOf("## Commands"));
    expect(prerequisites).toContain("Node.js 20 or newer and npm 11");
    expect(prerequisites).toContain("`npm install -g npm@11`");
  });
});
