// Jest global setup of `npm run test:e2e`: builds the pinned programs (scripts/e2e-tools.mjs; cached outside the
// repository, so a warm run only checks the cache), finds the Terraform engines, prints every version used, and hands
// the binaries to the test files through the environment. A missing tool fails the run here, saying what is missing.
import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureTools, ToolError } from "../../../scripts/e2e-tools.mjs";

function version(bin, args) {
  return execFileSync(bin, args, { encoding: "utf8", env: { PATH: process.env.PATH, HOME: tmpdir() } }).trim().split("\n")[0];
}

function terraformBinary() {
  try {
    return execFileSync("sh", ["-c", "command -v terraform"], { encoding: "utf8" }).trim();
  } catch {
    return undefined;
  }
}

export default async function globalSetup() {
  let tools;
  let go;
  try {
    ({ go, tools } = await ensureTools({ log: (line) => process.stderr.write(`${line}\n`) }));
  } catch (error) {
    throw new Error(`e2e: ${error instanceof ToolError ? error.message : error.stack}`);
  }
  const engines = { tofu: tools.opentofu.bin };
  const terraform = terraformBinary();
  if (terraform) engines.terraform = terraform;
  process.env.E2E_VAULT_BIN = tools.vault.bin;
  process.env.E2E_VAULT_BUILT_FROM = tools.vault.builtFrom; // "github.com/hashicorp/vault v1.13.0"
  process.env.E2E_ENGINES = JSON.stringify(engines);
  process.env.E2E_RUN_DIR = mkdtempSync(join(tmpdir(), "cwiq-e2e-"));
  const lines = [
    `server:  ${version(tools.vault.bin, ["version"])} (built from ${tools.vault.builtFrom})`,
    ...Object.entries(engines).map(([name, bin]) => `engine:  ${version(bin, ["version"])} (${name === "tofu" ? `built from ${tools.opentofu.builtFrom}` : bin})`),
    ...(terraform ? [] : ["engine:  no `terraform` on PATH: the engine scenarios run with OpenTofu only"]),
    process.env.E2E_VAULT_PROVIDER_MIRROR
      ? `provider: terraform-provider-vault 5.6.0 from the filesystem mirror ${process.env.E2E_VAULT_PROVIDER_MIRROR} (E2E_VAULT_PROVIDER_MIRROR; not built by this repository: the registry refuses it); no GitLab provider`
      : "provider: none (the module registry refuses terraform-provider-vault v5.6.0 and the GitLab provider: test/e2e/support/provider-standin.ts makes the Vault provider's API calls instead)",
    `go:      ${go}`,
    `logs:    ${process.env.E2E_RUN_DIR} (removed after the run unless a test fails)`,
  ];
  process.stderr.write(`\ne2e versions\n  ${lines.join("\n  ")}\n\n`);
}
