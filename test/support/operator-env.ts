// Every test file runs with an operator's variables exported (jest.config.js, setupFiles): the state address, Vault
// and GitLab credentials, passwords for plan and apply, another data file and output folder. A test, or a command a
// test runs, that read the ambient environment would change its result in every run here, not only on an operator's
// machine. Placeholder values, built at run time: none is credential-shaped, and nothing here is ever sent anywhere.
import { tmpdir } from "node:os";
import { join } from "node:path";

const placeholder = (what: string) => ["operator", what, "not", "a", "secret"].join("-");

Object.assign(process.env, {
  TF_HTTP_ADDRESS: "https://gitlab.example.invalid/api/v4/projects/1/terraform/state/operator",
  VAULT_ADDR: "https://vault.example.invalid",
  VAULT_TOKEN: placeholder("vault-token"),
  GITLAB_TOKEN: placeholder("gitlab-token"),
  TF_VAR_svc_orchestrator_password: placeholder("password"),
  TF_VAR_svc_executor_password: placeholder("password"),
  TF_VAR_svc_deployer_password: placeholder("password"),
  ACCESS_CONFIG: "operator-staging.yaml",
  CDKTF_OUTDIR: join(tmpdir(), "operator-cdktf.out"),
});
