import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { App, Lazy, TerraformOutput, TerraformResource, TerraformStack, Token } from "cdktf";
import { VaultCiAccessStack } from "../constructs/access-stack";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { type Config, parseDataFile } from "../lib/model/config";
import { GuardrailError, synthesize, writeSynthesized } from "../lib/synth/synth";
import { summarize } from "../lib/synth/cli";
import { configFrom, DEFAULT_FILE, defaultData, loadFixture, ROOT, synthStack } from "./support/fixtures";
import { StackJsonBuilder, stackJson } from "../lib/synth/stack-json";
import { Construct } from "constructs";
import { VaultProvider } from "@cdktf/provider-vault/lib/provider";
import { Policy } from "@cdktf/provider-vault/lib/policy";
import { GitlabProvider } from "@cdktf/provider-gitlab/lib/provider";
import { GroupVariable } from "@cdktf/provider-gitlab/lib/group-variable";
import { FileWriteError } from "../lib/synth/atomic-write";
import { withFullDisk } from "./support/full-disk";
import { generateData } from "../lib/operations/generate";
import { parse } from "yaml";

/** synthesize() with its output directory in a fresh temporary folder. */
function synthInTemp(data: unknown) {
  const outdir = join(mkdtempSync(join(tmpdir(), "synth-")), "cdktf.out");
  const source = parseDataFile(stringify(data), "access.yaml");
  return { outdir, source, run: () => synthesize(source, { kind: "local" }, outdir) };
}

/** Valid for the schema, unsafe for the guardrails in three independent ways. */
function unsafeData() {
  const data = defaultData();
  data.roles[0].boundClaimsType = "glob";
  data.roles[0].tokenMaxTtl = "2h";
  data.accounts.push({ name: "svc-rpm", permissions: ["raw:read-write", "rpm:read-write"], usedBy: "rpm uploads", readers: ["nexus-ci"] });
  return data;
}

/** Every file under `dir`, relative path -> content. */
function tree(dir: string, prefix = ""): Record<string, string> {
  return Object.assign(
    {},
    ...readdirSync(join(dir, prefix), { withFileTypes: true }).map((entry) =>
      entry.isDirectory() ? tree(dir, join(prefix, entry.name)) : { [join(prefix, entry.name)]: readFileSync(join(dir, prefix, entry.name), "utf8") },
    ),
  );
}

/** An App for an in-memory build (cdktf's App makes its outdir at once), or for app.synth() to write into. */
const scratchApp = (name = "json") => new App({ outdir: join(mkdtempSync(join(tmpdir(), `${name}-`)), "cdktf.out") });
const example = (name: string) => () => configFrom(parse(readFileSync(join(ROOT, "examples", name), "utf8")));

/** Stacks with every kind of construct the data can ask for, for the comparisons with cdktf's own output. */
const STACKS: [string, () => Config][] = [
  ["the default data", () => configFrom(defaultData())],
  ["adoption mode", () => configFrom({ ...defaultData(), adopt: true })],
  ["a managed KV mount (each secret refers to the mount's path: a token)", () => configFrom({ ...defaultData(), vault: { ...defaultData().vault, manageKvMount: true } })],
  ["with pipeline roles", example("with-pipeline.yaml")],
  ["with a per-project role", example("project-role.yaml")],
  ["30 generated accounts over 3 roles", () => configFrom(generateData({ accounts: 30, roles: 3 }))],
];

describe("the writer", () => {
  it("writes exactly the files cdktf's own app.synth() writes, byte for byte", () => {
    const { outdir, source, run } = synthInTemp(defaultData());
    run();
    const theirs = join(mkdtempSync(join(tmpdir(), "cdktf-")), "cdktf.out");
    const app = new App({ outdir: theirs });
    new VaultCiAccessStack(app, source.config.stack, { config: source.config, backend: { kind: "local" } });
    app.synth();
    expect(Object.keys(tree(outdir)).sort()).toEqual(["manifest.json", join("stacks", "cwiq", "cdk.tf.json")]);
    expect(tree(outdir)).toEqual(tree(theirs));
  });

  it.each(STACKS)("writes, from a build that released each account, the files app.synth() writes for the whole stack, byte for byte, for %s", (_what, config) => {
    const source = config();
    const ours = scratchApp("synth");
    const builder = new StackJsonBuilder();
    const stack = new VaultCiAccessStack(ours, source.stack, { config: source, backend: { kind: "local" }, completed: builder.release });
    writeSynthesized(ours, stack, builder.finish(stack));
    const theirs = scratchApp("cdktf");
    new VaultCiAccessStack(theirs, source.stack, { config: source, backend: { kind: "local" } });
    theirs.synth();
    expect(tree(ours.outdir)).toEqual(tree(theirs.outdir));
  });

  it("needs no Terraform on the machine: synth starts no process (cdktf's terraform-version checks would)", () => {
    const { outdir, run } = synthInTemp(defaultData());
    // cdktf's ValidateBinaryVersion runs `terraform version` with child_process.execSync at synth, and fails the synth
    // where Terraform is not installed ("Could not determine version of terraform").
    const childProcess: typeof import("node:child_process") = require("node:child_process");
    const spies = (["execSync", "execFileSync", "spawnSync", "spawn", "exec", "execFile"] as const).map((name) => jest.spyOn(childProcess, name));
    try {
      run();
      for (const spy of spies) expect(spy).not.toHaveBeenCalled();
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
    expect(existsSync(join(outdir, "stacks", "cwiq", "cdk.tf.json"))).toBe(true);
  });

  it("on a full disk keeps the cdk.tf.json and manifest.json already there, whole, and says why in one line", () => {
    const { outdir, run } = synthInTemp(defaultData());
    run();
    const before = tree(outdir);
    const data = defaultData();
    data.accounts.pop();
    const smaller = parseDataFile(stringify(data), "access.yaml");
    const error = withFullDisk(1000, () => {
      try {
        synthesize(smaller, { kind: "local" }, outdir);
      } catch (e) {
        return e as Error;
      }
      throw new Error("expected synth to fail");
    });
    expect(error).toBeInstanceOf(FileWriteError);
    expect(error.message).toBe(`cannot write ${join(outdir, "stacks", "cwiq", "cdk.tf.json")}: ENOSPC (no space left on device); nothing was changed`);
    expect(tree(outdir)).toEqual(before);
  });
});

describe("stackJson: the stack's Terraform JSON in one pass", () => {
  it.each(STACKS)("equals cdktf's own toTerraform() for %s", (_what, config) => {
    const source = config();
    const stack = new VaultCiAccessStack(scratchApp(), source.stack, { config: source, backend: { kind: "local" } });
    const ours = stackJson(stack);
    const theirs = stack.toTerraform();
    expect(ours).toEqual(theirs);
    expect(JSON.stringify(ours)).toBe(JSON.stringify(theirs));
  });

  it("resolves every kind of token cdktf encodes, wherever it sits, and copies the rest without undefined entries", () => {
    const stack = new TerraformStack(new App({ outdir: mkdtempSync(join(tmpdir(), "tokens-")) }), "tokens");
    const lazy = (value: unknown) => Lazy.anyValue({ produce: () => value });
    // One output per kind: each is a fragment of its own, so each kind alone must send its fragment to cdktf's resolver.
    const kinds: Record<string, unknown> = {
      string: `prefix-${Token.asString(lazy("s"))}`,
      number: Token.asNumber(lazy(7)),
      numberInString: `n${Token.asNumber(lazy(8))}`,
      list: Token.asList(lazy(["a", "b"])),
      numberList: Token.asNumberList(lazy([1, 2])),
      map: Token.asAnyMap(lazy({ k: "v" })),
      key: { [Token.asString(lazy("resolved-key"))]: "token as a key" },
      nested: [{ deep: [lazy({ resolvable: true })] }],
      plainResolvable: [{ resolve: () => "from a plain object with resolve()" }],
      plain: ["x", 1, true, "1e5 stays a string"],
    };
    for (const [name, value] of Object.entries(kinds)) new TerraformOutput(stack, name, { value });
    // TerraformOutput cannot hold undefined; an override can, and resolving drops it.
    stack.addOverride("locals", { kept: "x", none: null, dropped: undefined, holes: [undefined, "y"] });
    const ours = stackJson(stack);
    expect(JSON.stringify(ours)).toBe(JSON.stringify(stack.toTerraform()));
    expect(Object.fromEntries(Object.entries(ours.output ?? {}).map(([name, output]) => [name, output.value]))).toEqual({
      string: "prefix-s",
      number: 7,
      numberInString: "n8",
      list: ["a", "b"],
      numberList: [1, 2],
      map: { k: "v" },
      key: { "resolved-key": "token as a key" },
      nested: [{ deep: [{ resolvable: true }] }],
      plainResolvable: ["from a plain object with resolve()"],
      plain: ["x", 1, true, "1e5 stays a string"],
    });
    expect(ours.locals).toEqual({ kept: "x", none: null, holes: ["y"] });
  });
});

describe("StackJsonBuilder: each account's constructs rendered and dropped as they are built", () => {
  const app = () => scratchApp();
  const isPerAccount = (id: string) => id.startsWith("policy-") || (id.startsWith("account-") && id !== "account-guard");

  it.each(STACKS)("gives, byte for byte, cdktf's toTerraform() of the whole stack for %s, and leaves no account in the tree", (_what, config) => {
    const source = config();
    const builder = new StackJsonBuilder();
    const released: string[] = [];
    const stack = new VaultCiAccessStack(app(), source.stack, {
      config: source,
      backend: { kind: "local" },
      completed: (construct) => {
        released.push(construct.node.id);
        builder.release(construct);
      },
    });
    const ours = builder.finish(stack);
    const whole = new VaultCiAccessStack(app(), source.stack, { config: source, backend: { kind: "local" } });
    expect(JSON.stringify(ours)).toBe(JSON.stringify(whole.toTerraform()));
    // Every read policy and account secret was released, and none of them is left in the tree.
    expect(released).toEqual(whole.node.children.map((c) => c.node.id).filter(isPerAccount));
    expect(released.length).toBeGreaterThan(0);
    expect(stack.node.children.map((c) => c.node.id).filter(isPerAccount)).toEqual([]);
  });

  /** A stack with a vault provider, whose policies a test releases. */
  const stackWithProvider = () => {
    const stack = new TerraformStack(app(), "s");
    new VaultProvider(stack, "vault", {});
    return stack;
  };
  const policy = (scope: Construct, id: string) => new Policy(scope, id, { name: id, policy: "path \"x\" { capabilities = [\"read\"] }" });
  const errorOf = (fn: () => unknown): string => {
    try {
      fn();
    } catch (error) {
      return (error as Error).message;
    }
    throw new Error("expected an error");
  };

  it("reports construct validation errors as cdktf's runAllValidations() does, released or not, in tree order", () => {
    const failing = (scope: Construct, id: string) => {
      const resource = policy(scope, id);
      resource.node.addValidation({ validate: () => [`${id} is wrong`] });
      return resource;
    };
    const build = (release?: (c: Construct) => void) => {
      const stack = stackWithProvider();
      failing(stack, "first");
      const released = failing(stack, "released");
      release?.(released);
      failing(stack, "last");
      return stack;
    };
    const builder = new StackJsonBuilder();
    const stack = build(builder.release);
    const message = errorOf(() => builder.finish(stack));
    expect(message).toBe(errorOf(() => build().runAllValidations()));
    expect(message).toContain("[s/first] first is wrong\n  [s/released] released is wrong\n  [s/last] last is wrong");
  });

  it("refuses a released resource without its provider in the stack, with cdktf's message, also when another is there", () => {
    const whole = new TerraformStack(app(), "s");
    new GitlabProvider(whole, "gitlab", {});
    policy(whole, "p");
    const builder = new StackJsonBuilder();
    const stack = new TerraformStack(app(), "s");
    new GitlabProvider(stack, "gitlab", {});
    // A first release finds the gitlab provider; the second needs it again, and vault, which is missing.
    builder.release(new GroupVariable(stack, "first", { group: "1", key: "F", value: "v" }));
    const both = new Construct(stack, "both");
    policy(both, "p");
    new GroupVariable(both, "v", { group: "1", key: "K", value: "v" });
    const message = errorOf(() => builder.release(both));
    expect(message).toBe(errorOf(() => whole.runAllValidations()));
    expect(message).toContain("for the following providers: vault");
  });

  it("names every missing provider, as cdktf does", () => {
    const build = (release?: (c: Construct) => void) => {
      const stack = new TerraformStack(app(), "s");
      const both = new Construct(stack, "both");
      policy(both, "p");
      new GroupVariable(both, "v", { group: "1", key: "K", value: "v" });
      release?.(both);
      return stack;
    };
    const message = errorOf(() => build(new StackJsonBuilder().release));
    expect(message).toBe(errorOf(() => build().runAllValidations()));
    expect(message).toContain("for the following providers: vault, gitlab");
  });

  it("reports the stack's own validation (a kept resource without its provider) as cdktf does", () => {
    const build = () => {
      const stack = new TerraformStack(app(), "s");
      policy(stack, "kept");
      return stack;
    };
    expect(errorOf(() => new StackJsonBuilder().finish(build()))).toBe(errorOf(() => build().runAllValidations()));
  });

  it("needs no provider for a resource of Terraform's own, or one without generator metadata", () => {
    const builder = new StackJsonBuilder();
    const stack = new TerraformStack(app(), "s");
    const own = new Construct(stack, "own");
    new TerraformResource(own, "data", { terraformResourceType: "terraform_data", terraformGeneratorMetadata: { providerName: "terraform" } });
    new TerraformResource(own, "bare", { terraformResourceType: "null_thing" });
    builder.release(own);
    const tf = builder.finish(stack);
    expect(Object.keys(tf.resource ?? {}).sort()).toEqual(["null_thing", "terraform_data"]);
  });

  it("gives cdktf's toTerraform() for a stack without overrides", () => {
    const build = (release?: (c: Construct) => void) => {
      const stack = stackWithProvider();
      const released = policy(stack, "p");
      release?.(released);
      return stack;
    };
    const builder = new StackJsonBuilder();
    const ours = builder.finish(build(builder.release));
    expect(JSON.stringify(ours)).toBe(JSON.stringify(build().toTerraform()));
    expect(ours["//"]).not.toHaveProperty("metadata.overrides");
  });

  it("keeps to one stack: no release from a second stack, no finish of another", () => {
    const builder = new StackJsonBuilder();
    const first = stackWithProvider();
    builder.release(policy(first, "p"));
    const second = stackWithProvider();
    expect(errorOf(() => builder.release(policy(second, "q")))).toBe("release: s/q is not in stack s");
    expect(errorOf(() => builder.finish(second))).toBe("finish: constructs of s were released, not of s");
  });

  it("refuses to finish when a construct rendered early is no longer in the tree", () => {
    const builder = new StackJsonBuilder();
    const stack = stackWithProvider();
    policy(stack, "early");
    builder.release(policy(stack, "released"));
    stack.node.tryRemoveChild("early");
    expect(errorOf(() => builder.finish(stack))).toBe("s/early changed after a later construct was released: create it complete, or release nothing before it");
  });

  it("refuses a construct that is not the stack's newest child, or not a child of a stack", () => {
    const builder = new StackJsonBuilder();
    const stack = stackWithProvider();
    const older = policy(stack, "older");
    policy(stack, "newer");
    expect(errorOf(() => builder.release(older))).toBe("release: s/older is not the stack's newest child");
    const nested = new Construct(stack, "group");
    expect(errorOf(() => builder.release(policy(nested, "inner")))).toBe("release: s/group/inner is not a direct child of a stack");
  });

  it("refuses to finish when a construct rendered early changed after a later release, instead of writing what it was", () => {
    const builder = new StackJsonBuilder();
    const stack = stackWithProvider();
    const early = policy(stack, "early");
    builder.release(policy(stack, "released"));
    early.addOverride("policy", "changed afterwards");
    expect(errorOf(() => builder.finish(stack))).toBe("s/early changed after a later construct was released: create it complete, or release nothing before it");
  });

  it("builds once: no second finish, and no release after it", () => {
    const builder = new StackJsonBuilder();
    const stack = stackWithProvider();
    builder.finish(stack);
    expect(errorOf(() => builder.finish(stack))).toBe("finish: a StackJsonBuilder builds one stack's JSON once");
    expect(errorOf(() => builder.release(policy(stack, "late")))).toBe("release: s/late came after finish()");
  });

  it("refuses to release an output: outputs belong to the stack", () => {
    const builder = new StackJsonBuilder();
    const stack = stackWithProvider();
    const holder = new Construct(stack, "holder");
    new TerraformOutput(holder, "out", { value: "x" });
    expect(errorOf(() => builder.release(holder))).toBe("release: s/holder holds an output, which only the stack itself may hold");
  });
});

describe("skipCreationStackTraces (the synth command's switch)", () => {
  it("replaces the helper cdktf records creation stacks with", () => {
    jest.isolateModules(() => {
      const stackTrace = require("cdktf/lib/tokens/private/stack-trace");
      expect(stackTrace.captureStackTrace().length).toBeGreaterThan(0);
      require("../lib/synth/creation-stacks").skipCreationStackTraces();
      expect(stackTrace.captureStackTrace()).toEqual([]);
    });
  });

  it("reaches the objects the provider classes create (test/support/fixtures.ts turned it on for this file)", () => {
    const stack = new VaultCiAccessStack(new App({ outdir: mkdtempSync(join(tmpdir(), "trace-")) }), "trace", { config: configFrom(defaultData()) });
    const secret = stack.node.findAll().find((c) => c.node.id === "secret") as unknown as { customMetadata: { creationStack: string[] } };
    expect(secret.customMetadata.creationStack).toEqual([]);
  });
});

describe("synth with guardrails", () => {
  it("refuses a configuration with several violations, lists them all, and writes nothing", () => {
    const { outdir, run } = synthInTemp(unsafeData());
    let error: unknown;
    try {
      run();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(GuardrailError);
    const lines = (error as GuardrailError).message.split("\n");
    expect(lines.map((l) => l.split(" ")[0])).toEqual(["JWT-005", "JWT-009", "ACC-004", "TRUST-004"]);
    expect(lines[2]).toBe(
      'ACC-004 access.yaml:83:7: accounts[3].permissions: ["raw:read-write","rpm:read-write"] is the same scope as svc-executor (fix: reuse the account with that scope, or add justification: "<why a separate account>" to the new entry)',
    );
    expect(existsSync(outdir)).toBe(false);
  });

  it("writes the stack when each violation is justified on its entry, and lists the justifications", () => {
    const data = unsafeData();
    data.roles[0].tokenMaxTtl = "30m";
    data.roles[0].boundClaimsType = "string";
    data.accounts[3].justification = "RPM-only uploads for the legacy build farm, audited separately";
    const { outdir, source, run } = synthInTemp(data);
    const result = run();
    const written = JSON.parse(readFileSync(join(outdir, "stacks", "cwiq", "cdk.tf.json"), "utf8"));
    expect(written.resource.vault_jwt_auth_backend_role["nexus-ci"].bound_claims_type).toBe("string");
    expect(summarize("access.yaml", source.config, { kind: "local" }, result).split("\n").slice(-2)).toEqual([
      "  checks    every guardrail passed, none suppressed",
      `  justified ${data.accounts[3].name} (a permission scope another account may have): RPM-only uploads for the legacy build farm, audited separately`,
    ]);
  });

  it("lists at most ten justifications, then how many more", () => {
    const config = configFrom(generateData({ accounts: 12, roles: 1 }));
    const lines = summarize("big.yaml", config, { kind: "local" }, { outdir: "o", stackFile: "o/s.json", report: { violations: [], suppressed: [] }, imports: 0 }).split("\n");
    expect(lines.filter((l) => l.startsWith("  justified svc-"))).toHaveLength(10);
    expect(lines.at(-1)).toBe("  justified ... and 2 more accounts (their justification fields in big.yaml)");
  });

  it("rejects a suppression without a written reason at load time", () => {
    const data = defaultData();
    data.roles[0].suppress = [{ rule: "JWT-005", reason: "ok" }];
    expect(() => parseDataFile(stringify(data), "access.yaml")).toThrow(
      'access.yaml:49:17: roles[0].suppress[0].reason: "ok": must explain in at least 20 characters why the rule does not apply',
    );
  });
});

// A password-shaped value that must never appear in anything this project writes.
const CANARY = "canary-Pa55word-7f3e9c1d2b";
const PASSWORD_ENV = {
  TF_VAR_svc_orchestrator_password: CANARY,
  TF_VAR_svc_executor_password: CANARY,
  TF_VAR_svc_deployer_password: CANARY,
};

describe("no password reaches the synthesized output", () => {
  it("is absent from cdk.tf.json and the manifest that synth writes with passwords in the environment", () => {
    const outdir = join(mkdtempSync(join(tmpdir(), "synth-secrets-")), "cdktf.out");
    const saved = { ...process.env };
    Object.assign(process.env, PASSWORD_ENV);
    try {
      synthesize(loadFixture(DEFAULT_FILE), { kind: "local" }, outdir);
    } finally {
      process.env = saved;
    }
    const files = tree(outdir);
    expect(Object.keys(files)).toContain(join("stacks", "cwiq", "cdk.tf.json"));
    for (const content of Object.values(files)) expect(content).not.toContain(CANARY);
  });

  it("is absent from the in-process synth and from every committed snapshot", () => {
    const saved = { ...process.env };
    Object.assign(process.env, PASSWORD_ENV);
    try {
      expect(JSON.stringify(synthStack())).not.toContain(CANARY);
    } finally {
      process.env = saved;
    }
    const snapshots = tree(join(ROOT, "__snapshots__"));
    expect(Object.keys(snapshots).length).toBeGreaterThan(0);
    for (const content of Object.values(snapshots)) expect(content).not.toContain(CANARY);
  });

  it("leaves only variable references where passwords go: no string literal after `password =`", () => {
    const json = JSON.stringify(synthStack());
    const assignments = (json.match(/password = [^,})]+/g) ?? []).map((a) => a.trim());
    expect(assignments.length).toBe(3);
    for (const assignment of assignments) expect(assignment).toMatch(/^password = var\.svc_[a-z_]+_password$/);
    expect(json).not.toMatch(/"data_json"/);
  });
});
