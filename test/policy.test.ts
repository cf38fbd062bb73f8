import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { renderPolicy, renderReadPolicy } from "../lib/model/policy";
import { kvDataPath, readPolicyName } from "../lib/model/naming";
import { policyGrants } from "./support/policy-hcl";
import { configFrom, ROOT, synthStack } from "./support/fixtures";
import { derivePipelineNeeds, renderPipelinePolicy } from "../lib/operations/pipeline-access";

describe("renderReadPolicy", () => {
  it("renders exactly one path block granting read on the KV v2 data path", () => {
    expect(renderReadPolicy("secret/data/nexus/svc-executor")).toBe(
      [
        "# Read-only access to one KV v2 secret. Managed by Terraform from the access data file.",
        'path "secret/data/nexus/svc-executor" {',
        '  capabilities = ["read"]',
        "}",
        "",
      ].join("\n"),
    );
  });

  it("parses as HCL and grants read and nothing else", async () => {
    expect(await policyGrants(renderReadPolicy("secret/data/orchestrator/e2e-test-user"))).toEqual({
      "secret/data/orchestrator/e2e-test-user": ["read"],
    });
  });

  it("writes a rule's comment on its own line above the block, where HCL ignores it", async () => {
    const hcl = renderPolicy("head", [{ path: "auth/jwt/config", capabilities: ["read"], comment: "why: the issuer" }]);
    expect(hcl).toBe('# head\n# why: the issuer\npath "auth/jwt/config" {\n  capabilities = ["read"]\n}\n');
    expect(await policyGrants(hcl)).toEqual({ "auth/jwt/config": ["read"] });
  });

  it("quotes paths and capabilities as HCL strings and keeps rule order", async () => {
    const hcl = renderPolicy("two\nlines", [
      { path: "sys/mounts", capabilities: ["read", "list"] },
      { path: "secret/metadata/a", capabilities: ["list"] },
    ]);
    expect(hcl.startsWith("# two\n# lines\n")).toBe(true);
    expect(renderPolicy("a\n\nb", [])).toBe("# a\n#\n# b\n");
    expect(await policyGrants(hcl)).toEqual({ "sys/mounts": ["read", "list"], "secret/metadata/a": ["list"] });
  });
});

describe("names", () => {
  it("derives the policy name from mount and path, with dots that no role name may contain", () => {
    expect(readPolicyName("secret", "nexus/svc-orchestrator")).toBe("kv-read.secret.nexus.svc-orchestrator");
    expect(kvDataPath("secret", "nexus/svc-orchestrator")).toBe("secret/data/nexus/svc-orchestrator");
  });
});

// In beforeAll, not at describe scope: jest skips it when Stryker selects none of these tests (docs/development.md, Mutation testing).
describe("every policy of the default stack", () => {
  let policies: { name: string; policy: string }[];
  beforeAll(() => {
    policies = Object.values(synthStack().resource.vault_policy);
  });

  it("is one of the seven read policies: six CI paths and svc-deployer's", () => {
    expect(policies.map((p) => p.name).sort()).toEqual([
      "kv-read.secret.defectdojo.svc-orchestrator",
      "kv-read.secret.nexus.svc-deployer",
      "kv-read.secret.nexus.svc-executor",
      "kv-read.secret.nexus.svc-orchestrator",
      "kv-read.secret.orchestrator.e2e-test-user",
      "kv-read.secret.reportportal.svc-orchestrator",
      "kv-read.secret.sonarqube.svc-orchestrator",
    ]);
  });

  it("parses and grants only read on the one data path its name stands for", async () => {
    for (const { name, policy } of policies) {
      const path = name.split(".").slice(2).join("/");
      expect(await policyGrants(policy)).toEqual({ [`secret/data/${path}`]: ["read"] });
    }
  });
});

describe("the pipeline roles' policies (examples/with-pipeline.yaml)", () => {
  let needs: ReturnType<typeof derivePipelineNeeds>;
  beforeAll(() => {
    const example = configFrom(parse(readFileSync(join(ROOT, "examples", "with-pipeline.yaml"), "utf8")));
    needs = derivePipelineNeeds(example, example.pipeline!);
  });

  it.each(["plan", "apply"] as const)("parse as HCL and grant, path by path, exactly the %s column of the derived needs", async (kind) => {
    const expected = Object.fromEntries(needs.filter((n) => n[kind].length > 0).map((n) => [n.path, [...n[kind]]]));
    expect(await policyGrants(renderPipelinePolicy(needs, kind))).toEqual(expected);
  });
});
