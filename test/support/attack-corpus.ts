/**
 * The attack corpus (test/fixtures/attacks): unsafe or malformed edits of a copy of today's data file, each written out
 * as the text a merge request would put in the data file. test/attacks.test.ts loads each as synth does; the fast YAML
 * reader's test (test/plain-yaml.test.ts) reads each text too.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse, parseDocument } from "yaml";

export interface Attack {
  readonly class: string;
  readonly name: string;
  readonly rule: string;
  readonly at: string;
  readonly set?: [string, unknown][];
  /** [from, to, ...]; a `to` may be `{"joined": [...]}` (see corpusValue). */
  readonly text?: (string | { joined: string[] })[];
}

const DIR = join(__dirname, "..", "fixtures", "attacks");
export const FILE = join(DIR, "base.yaml");
export const BASE = readFileSync(FILE, "utf8");
/** The base as a YAML document, parsed once: an attack that sets values edits a clone of it. */
const BASE_DOC = parseDocument(BASE);
export const ATTACKS = parse(readFileSync(join(DIR, "attacks.yaml"), "utf8")) as Attack[];

/**
 * A value of the corpus as the attack writes it. `{"joined": [a, b]}` is `a-b`, put together only here, so that the
 * repository holds no string a secret scanner would take for a real credential (a GitLab token, for one).
 */
function corpusValue(value: unknown): unknown {
  const joined = (value as { joined?: unknown } | null)?.joined;
  return Array.isArray(joined) ? joined.join("-") : value;
}

/** The base text with the attack's edits: text replacements first, then values set on the YAML document. */
export function edited(attack: Attack): string {
  let text = BASE;
  const replacements = attack.text ?? [];
  for (let i = 0; i < replacements.length; i += 2) {
    const [from, to] = [String(replacements[i]), String(corpusValue(replacements[i + 1]))];
    if (!text.includes(from)) throw new Error(`${attack.name}: ${JSON.stringify(from)} is not in base.yaml`);
    text = text.replace(from, to);
  }
  if (attack.set) {
    const doc = text === BASE ? BASE_DOC.clone() : parseDocument(text);
    for (const [path, value] of attack.set)
      doc.setIn(
        path.split(".").map((key) => (/^\d+$/.test(key) ? Number(key) : key)),
        doc.createNode(corpusValue(value)),
      );
    text = doc.toString();
  }
  return text;
}

/** Every attack's text, by its name. */
export const attackTexts = (): { name: string; text: string }[] => ATTACKS.map((attack) => ({ name: `${attack.class}: ${attack.name}`, text: edited(attack) }));
