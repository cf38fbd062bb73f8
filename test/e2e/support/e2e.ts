/**
 * One end-to-end environment per test file: the run's TLS, the fake GitLab (OIDC issuer, Terraform state API), a
 * real Vault dev server trusting that GitLab, the data file pointed at both, its synthesized stack (the project's own
 * synth and guardrails), and, when asked, that stack applied through the provider stand-in with the secrets' values.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { stringify } from "yaml";
import { type Config, type DataFile, loadTrustFile, parseDataFile } from "../../../lib/model/config";
import { deriveAccess } from "../../../lib/model/access";
import { accountSecretPath, passwordVariableName } from "../../../lib/model/naming";
import { synthesizeInMemory } from "../../../lib/synth/synth";
import { trustAdmitting, TRUST_FILE_NAME } from "../../../lib/model/trust";
import { defaultData } from "../../support/data";
import { startFakeGitlab, type FakeGitlab } from "./fake-gitlab";
import { applyPlanned, planStack, type PlannedResource, type StackJson } from "./provider-standin";
import { makeTestTls, type TestTls } from "./tls";
import { startVault, type VaultServer } from "./vault";

/**
 * THE data file of the end-to-end tests, written to `dir`: the default data (access.yaml) with gitlab.url and
 * vault.url pointed at the run's loopback servers, changed by `change` if given. Every test gets its data file here,
 * so a change of the data-file format is made once.
 */
export function writeE2eDataFile(dir: string, urls: { gitlab: string; vault: string }, change?: (data: any) => void): string {
  const data = defaultData();
  data.gitlab.url = urls.gitlab;
  data.vault.url = urls.vault;
  change?.(data);
  const file = join(dir, "access.e2e.yaml");
  writeFileSync(file, stringify(data));
  // The run's loopback servers are trust anchors only here, in a temporary folder; production's limits otherwise.
  writeFileSync(join(dirname(file), TRUST_FILE_NAME), stringify(trustAdmitting(data)));
  return file;
}

/** An end-to-end data file with the trust file written beside it, given explicitly (the loader never reads one from beside a data file). */
export function loadE2eDataFile(file: string): DataFile {
  return parseDataFile(readFileSync(file, "utf8"), file, loadTrustFile(join(dirname(file), TRUST_FILE_NAME)));
}

/** A random value that looks like a secret (for passwords and seeded secrets; never printed). */
export const randomSecret = (): string => `e2e-${randomBytes(18).toString("base64url")}`;

export interface E2e {
  readonly dir: string;
  readonly tls: TestTls;
  readonly gitlab: FakeGitlab;
  /** The password of the fake GitLab's Terraform state API (TF_HTTP_PASSWORD). */
  readonly stateToken: string;
  readonly vault: VaultServer;
  readonly dataFile: string;
  readonly config: Config;
  readonly stack: StackJson;
  /** The stand-in's calls and read-backs for the stack, with `variables`. */
  readonly planned: PlannedResource[];
  /** The stack's input variables as given: each account's password (TF_VAR_svc_<name>_password). */
  readonly variables: Record<string, string>;
  /** Every secret the data file grants, by path in the KV mount: what Vault holds after setup (applied or seeded). */
  readonly secrets: Record<string, Record<string, string>>;
  /** Every secret value of the run, to check that none is printed. */
  readonly sensitive: string[];
  stop(): Promise<void>;
}

/**
 * Starts the servers, synthesizes the data file and, with `apply`, applies the stack through the provider stand-in
 * and seeds the secrets the stack reads but does not write (the `reads` of roles, written by hand in production).
 */
export async function startE2e(options: { apply: boolean }): Promise<E2e> {
  const vaultBin = process.env.E2E_VAULT_BIN;
  if (!vaultBin) throw new Error("E2E_VAULT_BIN is not set: run the end-to-end tests with `npm run test:e2e` (its global setup builds Vault)");
  const dir = mkdtempSync(join(process.env.E2E_RUN_DIR ?? tmpdir(), "file-"));
  const tls = makeTestTls(dir);
  const stateToken = randomSecret();
  const gitlab = await startFakeGitlab({ tls, stateToken });
  let vault: VaultServer | undefined;
  try {
    vault = await startVault({ bin: vaultBin, dir, tls, env: { SSL_CERT_FILE: tls.caFile } });
    const dataFile = writeE2eDataFile(dir, { gitlab: gitlab.url, vault: vault.url });
    const source = loadE2eDataFile(dataFile);
    const stack = synthesizeInMemory(source) as StackJson;
    const variables = Object.fromEntries(source.config.accounts.map((a) => [passwordVariableName(a.name), randomSecret()]));
    const { resources: planned } = planStack(stack, variables);
    const secrets: E2e["secrets"] = {};
    for (const grant of deriveAccess(source.config).grants) {
      const account = source.config.accounts.find((a) => a.name === grant.account);
      secrets[grant.path] = account
        ? { username: account.name, password: variables[passwordVariableName(account.name)] }
        : Object.fromEntries(grant.keys.map((key) => [key, randomSecret()]));
    }
    if (options.apply) {
      await applyPlanned(vault.root, planned);
      for (const [path, data] of Object.entries(secrets)) {
        if (!source.config.accounts.some((a) => accountSecretPath(a.name) === path)) await vault.root.must("POST", `${source.config.vault.kvMount}/data/${path}`, { data });
      }
    }
    const started = vault;
    return {
      dir,
      tls,
      gitlab,
      stateToken,
      vault,
      dataFile,
      config: source.config,
      stack,
      planned,
      variables,
      secrets,
      sensitive: [vault.rootToken, stateToken, ...Object.values(secrets).flatMap((s) => Object.values(s)).filter((v) => v.startsWith("e2e-"))],
      async stop() {
        await started.stop();
        await gitlab.close();
      },
    };
  } catch (error) {
    await vault?.stop();
    await gitlab.close();
    throw error;
  }
}
