/**
 * `npm run test:e2e:provider`: the end-to-end scenarios that need terraform-provider-vault 5.6.0, which the module
 * registry refuses (docs: docs/development.md "End-to-end tests"). Same harness as `npm run test:e2e`; the provider comes from a
 * filesystem mirror named by E2E_VAULT_PROVIDER_MIRROR, and the suite fails, saying so, without one.
 * @type {import('jest').Config}
 */
module.exports = { ...require("./jest.e2e.config.js"), testMatch: ["**/*.e2e-provider.test.ts"] };
