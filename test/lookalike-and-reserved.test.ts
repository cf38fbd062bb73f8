// Issue 22 part 5: an account named like another (ACC-006), and the pipeline's GitLab token folder reserved for the
// pipeline roles whether or not `pipeline:` is enabled (PIPE-008). Where each rule's boundary lies.
import { stringify } from "yaml";
import { parseDataFile } from "../lib/model/config";
import { GuardrailError, synthesizeInMemory } from "../lib/synth/synth";
import { accountNamesDistinct, foldConfusables, oneEditApart } from "../rules/accounts";
import type { RuleInput } from "../rules/rule";
import { defaultData, trustAllowing, trustFor } from "./support/data";

/** ACC-006's findings for accounts with these names (and justifications), beside nothing else. */
function lookalikes(...accounts: (string | [string, string])[]): string[] {
  const config = { accounts: accounts.map((a) => (typeof a === "string" ? { name: a } : { name: a[0], justification: a[1] })) };
  return accountNamesDistinct.check({ config } as unknown as RuleInput).map((f) => `${f.path}: ${f.message}`);
}

describe("ACC-006: an account named like another", () => {
  it.each([
    ["svc-dep1oyer", "the same after folding confusable characters (svcdeployer)"],
    ["svc-dep-loyer", "the same after folding confusable characters (svcdeployer)"],
    ["svc-depioyer", "the same after folding confusable characters (svcdeployer)"],
    ["svc-deploy3r", "one edit apart"],
    ["svc-deplyer", "one edit apart"],
    ["svc-deployerr", "one edit apart"],
    ["svc-dep1oyer-", "the same after folding confusable characters (svcdeployer)"],
  ])("refuses %s beside svc-deployer (%s), at the later entry, naming both", (name, how) => {
    expect(lookalikes("svc-deployer", name)).toEqual([
      `accounts[1].name: ${JSON.stringify(name)} is named like accounts[0] "svc-deployer" (${how}): a reader cannot tell them apart; neither justification names the other`,
    ]);
    // Whichever comes first in the file.
    expect(lookalikes(name, "svc-deployer")).toEqual([expect.stringMatching(/^accounts\[1\]\.name: "svc-deployer" is named like accounts\[0\]/)]);
  });

  it("folds case, hyphens, 1/l/i, 0/o, 5/s, rn/m and vv/w", () => {
    expect(foldConfusables("svc-Dep1-oyer")).toBe("svcdeployer");
    expect(foldConfusables("svc-rnail")).toBe(foldConfusables("svc-mail"));
    expect(foldConfusables("svc-vvorker")).toBe(foldConfusables("svc-worker"));
    expect(foldConfusables("svc-b0x5")).toBe(foldConfusables("svc-boxs"));
    expect(foldConfusables("svc-li1")).toBe("svclll");
    expect(lookalikes("svc-mail", "svc-rnail")).toHaveLength(1);
    expect(lookalikes("svc-worker", "svc-vvorker")).toHaveLength(1);
  });

  it.each([
    ["svc-deployer2", "a numbered series: the same stem, another trailing number"],
    ["svc-depolyer", "two letters swapped: two edits"],
    ["svc-deployers2", "two edits"],
    ["svc-executor", "another name"],
  ])("accepts %s beside svc-deployer (%s)", (name) => {
    expect(lookalikes("svc-deployer", name)).toEqual([]);
  });

  it("accepts a numbered series, but not a number that stands for a letter", () => {
    expect(lookalikes("svc-runner1", "svc-runner2", "svc-runner10", "svc-runner")).toEqual([]);
    expect(lookalikes("svc-runner1", "svc-runnerl")).toHaveLength(1);
  });

  it("accepts the pair when the justification of either names the other by its whole name", () => {
    expect(lookalikes("svc-deployer", ["svc-dep1oyer", "a second deploy account beside svc-deployer, for the DR site"])).toEqual([]);
    expect(lookalikes(["svc-deployer", "not svc-dep1oyer: this one deploys to production"], "svc-dep1oyer")).toEqual([]);
    // A justification that names a third account, or the other's name inside a longer one, does not count.
    expect(lookalikes("svc-deployer", ["svc-dep1oyer", "beside svc-deployer2"])).toHaveLength(1);
    expect(lookalikes("svc-deployer", ["svc-dep1oyer", "a separate account"])).toHaveLength(1);
  });

  it("leaves an exact duplicate to ACC-002 and reports each lookalike once, against the first of its kind", () => {
    expect(lookalikes("svc-deployer", "svc-deployer")).toEqual([]);
    expect(lookalikes("svc-deployer", "svc-dep1oyer", "svc-dep-loyer")).toEqual([
      expect.stringMatching(/^accounts\[1\]\.name: "svc-dep1oyer" is named like accounts\[0\] "svc-deployer" /),
      expect.stringMatching(/^accounts\[2\]\.name: "svc-dep-loyer" is named like accounts\[0\] "svc-deployer" /),
    ]);
    expect(lookalikes("svc-deployer", "svc-deploy3r", "svc-dep1oyer")).toHaveLength(2);
  });

  it("finds one-edit pairs without comparing every pair: 30000 generated accounts (a numbered series) in well under a second", () => {
    const accounts = Array.from({ length: 30000 }, (_, i) => ({ name: `svc-bench-${i}` }));
    const started = performance.now();
    expect(accountNamesDistinct.check({ config: { accounts } } as unknown as RuleInput)).toEqual([]);
    const ms = performance.now() - started;
    expect(ms).toBeLessThan(2000);
    expect(
      oneEditApart(["svc-ab", "svc-b", "svc-abc", "svc-xb"])
        .map(([a, b]) => [a, b].sort().join("-"))
        .sort(),
    ).toEqual(["0-1", "0-2", "0-3", "1-3"]);
  });

  it("is refused by the synth, not waivable", () => {
    const data = defaultData();
    data.accounts.push({ ...data.accounts[2], name: "svc-dep1oyer", suppress: [{ rule: "ACC-006", reason: "approved by the team lead" }] });
    expect(() => synthesizeInMemory(parseDataFile(stringify(data), "access.yaml", trustFor()))).toThrow(
      /ACC-006 access\.yaml:\d+:\d+: accounts\[3\]\.name: "svc-dep1oyer" is named like accounts\[2\] "svc-deployer"/,
    );
  });
});

describe("PIPE-008: the GitLab token's folder is the pipeline roles' only", () => {
  /** The PIPE-008 lines of the synth's refusal of `data` (none if it is accepted). */
  function pipe008(data: any): string[] {
    try {
      synthesizeInMemory(parseDataFile(stringify(data), "access.yaml", trustFor()));
      return [];
    } catch (e) {
      if (!(e instanceof GuardrailError)) throw e;
      return e.message.split("\n").filter((line) => line.startsWith("PIPE-008 "));
    }
  }
  const reading = (path: string) => {
    const data = defaultData();
    data.roles[0].reads.push({ path, keys: ["token"], usedBy: "a CI job" });
    return data;
  };

  it.each(["ci/vault-ci-access/gitlab-token", "ci/vault-ci-access/other", "ci/vault-ci-access/deeper/x"])(
    "refuses a CI role reading %s while pipeline: is absent (the documented path and its folder)",
    (path) => {
      expect(defaultData().pipeline).toBeUndefined();
      expect(pipe008(reading(path))).toEqual([
        expect.stringMatching(
          new RegExp(
            `^PIPE-008 access\\.yaml:\\d+:\\d+: roles\\[0\\]\\.reads\\[4\\]\\.path: "${path}": CI role nexus-ci may not read "ci/vault-ci-access/gitlab-token" and its folder "ci/vault-ci-access/", reserved for the pipeline roles \\(fix: `,
          ),
        ),
      ]);
    },
  );

  it.each(["ci/vault-ci-access-other/x", "ci/vault-ci-access", "ci/other/gitlab-token"])("accepts %s: not in the folder", (path) => {
    expect(pipe008(reading(path))).toEqual([]);
  });

  it("follows pipeline.gitlabTokenPath when the section is present, and reserves its folder", () => {
    const withToken = (tokenPath: string | undefined, readPath: string) => {
      const copy = defaultData();
      if (tokenPath) {
        copy.pipeline = {
          projectId: 4242,
          plan: { name: "vault-ci-access-plan", audiences: ["https://gitlab.shared.cwiq.io"] },
          apply: { name: "vault-ci-access-apply", audiences: ["https://gitlab.shared.cwiq.io"] },
          gitlabTokenPath: tokenPath,
        };
      }
      copy.roles[0].reads.push({ path: readPath, keys: ["token"], usedBy: "a CI job" });
      const trust = trustAllowing(copy);
      try {
        synthesizeInMemory(parseDataFile(stringify(copy), "access.yaml", trust));
        return [];
      } catch (e) {
        if (!(e instanceof GuardrailError)) throw e;
        return e.message.split("\n").filter((line) => line.startsWith("PIPE-008 "));
      }
    };
    expect(withToken("ops/pipeline/gitlab", "ops/pipeline/other")).toEqual([
      expect.stringContaining('may not read "ops/pipeline/gitlab" and its folder "ops/pipeline/"'),
    ]);
    // With another token path, the default folder is no longer the pipeline's.
    expect(withToken("ops/pipeline/gitlab", "ci/vault-ci-access/other")).toEqual([]);
    expect(withToken(undefined, "ci/vault-ci-access/other")).toHaveLength(1);
  });
});
