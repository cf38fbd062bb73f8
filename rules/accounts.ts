/** Rules for the Nexus service accounts and their secrets. */
import type { Finding, Rule } from "./rule";
import { dataFinding, stackFinding } from "./rule";
import { resourcesOf, type TfKvSecret } from "./terraform-json";
import { ACCOUNT_NAME, writesPassword } from "../lib/model/config";
import { accountSecretPath, NEXUS_SECRET_FOLDER, passwordVariableName } from "../lib/model/naming";
import { credentialFormatIn } from "../lib/model/text";

export const accountSecretOneToOne: Rule = {
  id: "ACC-001",
  explanation: `Account names match ${ACCOUNT_NAME.source} and map one-to-one to ${NEXUS_SECRET_FOLDER}/<name> with username <name>: one secret per account (none while its password is the hand-set one, passwordVersion 0), one account per secret.`,
  fix: "rename the account, or remove the stray secret",
  check: (input) => {
    const findings: Finding[] = [];
    const secrets = resourcesOf<TfKvSecret>(input.tf, "vault_kv_secret_v2");
    const byName = new Map<string, [string, TfKvSecret][]>();
    for (const secret of secrets) {
      const name = secret[1].name ?? "";
      byName.set(name, [...(byName.get(name) ?? []), secret]);
    }
    input.config.accounts.forEach((account, i) => {
      const entry = { list: "accounts" as const, name: account.name };
      if (!ACCOUNT_NAME.test(account.name)) findings.push(dataFinding(`accounts[${i}].name`, `${JSON.stringify(account.name)} does not match ${ACCOUNT_NAME.source}`, entry));
      const path = accountSecretPath(account.name);
      const matching = byName.get(path) ?? [];
      // passwordVersion 0: the password was set by hand and the secret stays out of the stack until its first rotation.
      const expected = writesPassword(account) ? 1 : 0;
      if (matching.length !== expected) {
        findings.push(dataFinding(`accounts[${i}]`, `has ${matching.length} secrets at ${path}, must have ${expected === 1 ? "exactly one" : "none while passwordVersion is 0"}`, entry));
      }
      for (const [address, secret] of matching) {
        if (!(secret.data_json_wo ?? "").includes(`username = "${account.name}"`)) {
          findings.push(stackFinding(`${address}.data_json_wo`, `does not write username "${account.name}"`, entry));
        }
      }
    });
    const names = new Set(input.config.accounts.map((a) => accountSecretPath(a.name)));
    for (const [address, secret] of secrets) {
      if (secret.name?.startsWith(`${NEXUS_SECRET_FOLDER}/`) && !names.has(secret.name)) {
        findings.push(stackFinding(`${address}.name`, `${JSON.stringify(secret.name)} belongs to no declared account`));
      }
    }
    return findings;
  },
};

export const accountNamesCaseUnique: Rule = {
  id: "ACC-002",
  explanation: "No two accounts differ only in case: Nexus user ids and Vault paths must not be confusable.",
  fix: "remove or rename the duplicate",
  check: (input) => {
    const first = new Map<string, number>();
    const findings: Finding[] = [];
    input.config.accounts.forEach((account, i) => {
      const key = account.name.toLowerCase();
      if (first.has(key)) findings.push(dataFinding(`accounts[${i}].name`, `${JSON.stringify(account.name)} duplicates accounts[${first.get(key)}]`));
      else first.set(key, i);
    });
    return findings;
  },
};

const SECRET_KEY = /^(pass(word)?|passwd|pwd|secret|token|api[_-]?key|private[_-]?key|credentials?)$/i;

function* strings(node: unknown, path: string): Generator<[string, string, string | undefined]> {
  if (typeof node === "string") yield [path, node, undefined];
  else if (Array.isArray(node)) for (const [i, item] of node.entries()) yield* strings(item, `${path}[${i}]`);
  else if (node && typeof node === "object") {
    for (const [key, value] of Object.entries(node)) {
      const child = path ? `${path}.${key}` : key;
      if (SECRET_KEY.test(key) && (typeof value === "string" || typeof value === "number")) yield [child, String(value), key];
      else yield* strings(value, child);
    }
  }
}

export const noLiteralSecrets: Rule = {
  id: "ACC-003",
  explanation: "No secret value is ever written in the data file or the stack: passwords reach Vault only through the accounts' ephemeral variables.",
  fix: "delete the value (rotate it if it was committed) and pass it as TF_VAR_<account>_password at apply",
  check: (input) => {
    const findings: Finding[] = [];
    for (const [path, value, key] of strings(input.data, "")) {
      if (key) {
        findings.push(dataFinding(path, `field ${JSON.stringify(key)} holds a literal value`));
        continue;
      }
      const found = credentialFormatIn(value);
      if (found) findings.push(dataFinding(path, `looks like ${found.kind}`));
    }
    for (const [address, secret] of resourcesOf<TfKvSecret>(input.tf, "vault_kv_secret_v2")) {
      if (secret.data_json !== undefined) findings.push(stackFinding(`${address}.data_json`, "is set: its value would be stored in state and plan"));
      const passwords = [...(secret.data_json_wo ?? "").matchAll(/(?<![\w.])password\s*=(?!=)\s*([^,}\s]+)/g)].map((m) => m[1]);
      for (const value of passwords) {
        if (!/^var\.[a-z0-9_]+_password$/.test(value)) findings.push(stackFinding(`${address}.data_json_wo`, `password is ${value.startsWith('"') ? "a literal" : JSON.stringify(value)}, must be the account's variable`));
      }
    }
    return findings;
  },
};

const scopeOf = (permissions: readonly string[]) => [...new Set(permissions)].sort().join(" ");

export const distinctPermissionScopes: Rule = {
  id: "ACC-004",
  explanation: "House rule: no account per service. A new account needs a Nexus permission scope no other account has, or a written justification.",
  fix: "reuse the account with that scope, or add justification: \"<why a separate account>\" to the new entry",
  check: (input) => {
    const first = new Map<string, string>();
    const findings: Finding[] = [];
    input.config.accounts.forEach((account, i) => {
      const scope = scopeOf(account.permissions);
      const owner = first.get(scope);
      if (owner === undefined) first.set(scope, account.name);
      else if (!account.justification) {
        findings.push(dataFinding(`accounts[${i}].permissions`, `${JSON.stringify(account.permissions)} is the same scope as ${owner}`, { list: "accounts", name: account.name }));
      }
    });
    return findings;
  },
};

export const secretsStayOutOfState: Rule = {
  id: "ACC-005",
  explanation: "A managed secret is never read back (disable_read) and its password variable is sensitive and ephemeral: no value in state, plan or logs.",
  fix: "use the ServiceAccountSecret construct",
  check: (input) => {
    const findings: Finding[] = [];
    for (const [address, secret] of resourcesOf<TfKvSecret>(input.tf, "vault_kv_secret_v2")) {
      if (secret.disable_read !== true) findings.push(stackFinding(`${address}.disable_read`, "is not true: every refresh would copy the secret into state"));
    }
    for (const account of input.config.accounts.filter(writesPassword)) {
      const name = passwordVariableName(account.name);
      const variable = input.tf.variable?.[name];
      if (!variable || variable.sensitive !== true || variable.ephemeral !== true) {
        findings.push(stackFinding(`variable.${name}`, "must exist and be sensitive and ephemeral"));
      }
    }
    return findings;
  },
};


/** Characters and pairs a reader takes for one another in a name (after lower-casing and removing hyphens). */
const CONFUSABLE_PAIRS: readonly [RegExp, string][] = [
  [/rn/g, "m"],
  [/vv/g, "w"],
  [/[1i]/g, "l"],
  [/0/g, "o"],
  [/5/g, "s"],
];

/** `svc-Dep1-oyer` -> `svcdeployer`: the name as a reader may see it. */
export function foldConfusables(name: string): string {
  return CONFUSABLE_PAIRS.reduce((folded, [from, to]) => folded.replace(from, to), name.toLowerCase().replaceAll("-", ""));
}

/** The name without a trailing number: `svc-bench-12` -> `svc-bench-`; two names of one numbered series share it. */
const stemOf = (name: string): string => name.replace(/[0-9]+$/, "");

/**
 * Pairs of indexes whose names are one edit apart (one letter inserted, removed or replaced; a swap of two is two
 * edits), found through one-deletion keys instead of comparing every pair: generated data has 30000 accounts.
 */
export function oneEditApart(names: readonly string[], keep: (a: number, b: number) => boolean = () => true): [number, number][] {
  const index = new Map(names.map((name, i) => [name, i]));
  const longest = names.reduce((max, name) => Math.max(max, name.length), 0);
  const pairs: [number, number][] = [];
  // One position at a time, so that only one position's keys are held (30000 accounts: 30000 keys, not 400000).
  for (let k = 0; k < longest; k++) {
    // Two names of one length that differ only at k have the same text without it.
    const bySubstitution = new Map<string, number[]>();
    names.forEach((name, i) => {
      if (k >= name.length) return;
      const deleted = name.slice(0, k) + name.slice(k + 1);
      const shorter = index.get(deleted);
      if (shorter !== undefined && keep(shorter, i)) pairs.push([shorter, i]);
      const group = bySubstitution.get(deleted);
      if (!group) {
        bySubstitution.set(deleted, [i]);
        return;
      }
      for (const other of group) if (names[other] !== name && keep(other, i)) pairs.push([other, i]);
      group.push(i);
    });
  }
  return pairs;
}

/** Whether free text names an account by its whole name (`svc-deployer`, not `svc-deployer2`). */
const namesAccount = (text: string | undefined, name: string): boolean =>
  new RegExp(`(^|[^a-z0-9-])${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}([^a-z0-9-]|$)`).test(text ?? "");

export const accountNamesDistinct: Rule = {
  id: "ACC-006",
  explanation:
    "No account is named like another (one edit apart, or the same after folding case, hyphens and 1/l/i, 0/o, 5/s, rn/m, vv/w): svc-dep1oyer beside svc-deployer reads as the same account in a review, a policy or a log. Two names of one numbered series (svc-runner1, svc-runner2, svc-deployer2) differ visibly and pass. Allowed only when the justification of one of the two names the other.",
  fix: 'rename the account, or, if both are meant, write justification: "<why>, not <the other account>" naming the other account',
  check: (input) => {
    const accounts = input.config.accounts;
    const names = accounts.map((a) => a.name);
    const found = new Map<string, [number, number, string]>();
    const add = (a: number, b: number, how: string) => {
      const [i, j] = a < b ? [a, b] : [b, a];
      if (!found.has(`${i}:${j}`)) found.set(`${i}:${j}`, [i, j, how]);
    };
    const byFold = new Map<string, number>();
    names.forEach((name, i) => {
      const fold = foldConfusables(name);
      const first = byFold.get(fold);
      // An exact duplicate is ACC-002's.
      if (first !== undefined && names[first] !== name) add(first, i, `the same after folding confusable characters (${fold})`);
      else if (first === undefined) byFold.set(fold, i);
    });
    const stems = names.map(stemOf);
    for (const [a, b] of oneEditApart(names, (a, b) => stems[a] !== stems[b])) add(a, b, "one edit apart");
    return [...found.values()]
      .filter(([i, j]) => !namesAccount(accounts[i].justification, names[j]) && !namesAccount(accounts[j].justification, names[i]))
      .map(([i, j, how]) =>
        dataFinding(`accounts[${j}].name`, `${JSON.stringify(names[j])} is named like accounts[${i}] ${JSON.stringify(names[i])} (${how}): a reader cannot tell them apart; neither justification names the other`),
      );
  },
};

export const ACCOUNT_RULES: readonly Rule[] = [accountSecretOneToOne, accountNamesCaseUnique, noLiteralSecrets, distinctPermissionScopes, secretsStayOutOfState, accountNamesDistinct];
