/** Rules for adoption mode: taking over the hand-made production setup must neither fail nor change a password. */
import type { Finding, Rule } from "./rule";
import { dataFinding, stackFinding } from "./rule";
import { writesPassword } from "../lib/model/config";
import { accountSecretPath } from "../lib/model/naming";

const KV_SECRET = "vault_kv_secret_v2";

export const adoptionKeepsPasswords: Rule = {
  id: "ADOPT-001",
  explanation: "In adoption mode no password is written: an account whose secret exists in production keeps passwordVersion 0 until its first rotation.",
  fix: "set the account's passwordVersion to 0; if it has no secret in production yet (a new account), suppress ADOPT-001 on it with that reason",
  waivable: "a new account has no secret in production that adoption could overwrite; the waiver changes what is written, never who may read it",
  check: (input) =>
    input.config.adopt
      ? input.config.accounts.flatMap((account, i): Finding[] =>
          writesPassword(account)
            ? [
                dataFinding(
                  `accounts[${i}].passwordVersion`,
                  `is ${account.passwordVersion}: the first apply would write a new password to ${input.config.vault.kvMount}/${accountSecretPath(account.name)}, replacing the one in production`,
                  { list: "accounts", name: account.name },
                ),
              ]
            : [],
        )
      : [],
};

export const importsNeverReadSecrets: Rule = {
  id: "ADOPT-002",
  explanation: "Import blocks target resources the stack declares, never a KV secret: importing one reads its data into state, and the provider rewrites it on the next update.",
  fix: "adopt an account by passwordVersion 0 (lib/operations/adoption.ts explains why); do not import KV secrets",
  check: (input) => {
    const declared = new Set(Object.entries(input.tf.resource ?? {}).flatMap(([type, byName]) => Object.keys(byName).map((name) => `${type}.${name}`)));
    return (input.tf.import ?? []).flatMap((block, i) => {
      const where = `import[${i}]`;
      if (block.to?.startsWith(`${KV_SECRET}.`)) return [stackFinding(`${where}.to`, `imports the KV secret ${block.to}`)];
      if (!block.to || !declared.has(block.to)) return [stackFinding(`${where}.to`, `${JSON.stringify(block.to ?? null)} is not a resource of this stack`)];
      if (!block.id) return [stackFinding(`${where}.id`, "is empty")];
      return [];
    });
  },
};

export const createListsDeclaredResources: Rule = {
  id: "ADOPT-003",
  explanation: "adopt.create names resources the stack declares: a stale or mistyped address would leave an object to be imported that the operator meant to create.",
  fix: "copy the address from the synthesized stack or the plan (e.g. vault_policy.kv-read_secret_nexus_svc-executor), or remove the entry",
  check: (input) => {
    const declared = (address: string) => {
      const [type, name] = address.split(".");
      return input.tf.resource?.[type]?.[name] !== undefined;
    };
    return (input.config.adopt?.create ?? []).flatMap((address, j) =>
      declared(address) ? [] : [dataFinding(`adopt.create[${j}]`, `${JSON.stringify(address)} is not a resource of this stack`)],
    );
  },
};

export const ADOPTION_RULES: readonly Rule[] = [adoptionKeepsPasswords, importsNeverReadSecrets, createListsDeclaredResources];
