/**
 * The attack corpus (issue 13): unsafe or malformed edits of a copy of today's data file, each loaded as synth loads
 * it (text -> YAML -> schema -> stack -> rule pack) and each refused by the rule it names, at the field it names,
 * with the file's line and column. None may be accepted.
 */
import { dirname, join } from "node:path";
import { ConfigError, loadTrustFile, parseDataFile } from "../lib/model/config";
import { GuardrailError, synthesizeInMemory } from "../lib/synth/synth";
import { skipCreationStackTraces } from "../lib/synth/creation-stacks";
import { ATTACKS, BASE, edited, FILE } from "./support/attack-corpus";

skipCreationStackTraces();
/** The corpus's own trust anchors, given explicitly (never read from beside a data file). */
const TRUST = loadTrustFile(join(dirname(FILE), "trust.yaml"));

/** Every refusal as `RULE location` lines (SCHEMA for the loader), or [] when the edit was accepted. */
function refusals(text: string): string[] {
  try {
    synthesizeInMemory(parseDataFile(text, FILE, TRUST));
    return [];
  } catch (e) {
    if (e instanceof ConfigError) return e.message.split("\n").map((line) => `SCHEMA ${line}`);
    if (e instanceof GuardrailError) return e.message.split("\n");
    throw e;
  }
}

describe("the base of the attack corpus", () => {
  it("is accepted as it is (so each refusal below comes from its edit)", () => {
    expect(refusals(BASE)).toEqual([]);
  });

  it("has at least 120 attacks, each with a class, a rule and a location", () => {
    expect(ATTACKS.length).toBeGreaterThanOrEqual(120);
    for (const attack of ATTACKS) expect(attack).toEqual(expect.objectContaining({ class: expect.any(String), rule: expect.stringMatching(/^(SCHEMA|[A-Z]+-\d{3})$/), at: expect.any(String) }));
  });
});

describe.each(ATTACKS.map((a) => [a.class, a.name, a] as const))("%s: %s", (_class, _name, attack) => {
  it(`is refused by ${attack.rule} at ${attack.at}, with its line and column in the data file`, () => {
    const lines = refusals(edited(attack));
    expect(lines.length).toBeGreaterThan(0);
    const escaped = attack.at.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const where =
      attack.rule === "SCHEMA"
        ? new RegExp(`^SCHEMA .*base\\.yaml:\\d+:\\d+: (${attack.at === "(root)" ? "YAML: " : `${escaped}[ :]`})`)
        : attack.at.startsWith("vault_")
          ? new RegExp(`^${attack.rule} cdktf\\.out/stacks/cwiq/cdk\\.tf\\.json:${escaped}: `)
          : new RegExp(`^${attack.rule} .*base\\.yaml:\\d+:\\d+: ${escaped}: `);
    expect(lines.filter((line) => where.test(line))).not.toEqual([]);
  });
});
