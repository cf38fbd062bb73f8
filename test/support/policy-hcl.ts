import { parseHcl } from "../../lib/synth/stack-hcl";
/** Parses Vault policy HCL with HashiCorp's own parser (Go's hcl, compiled to wasm) into path -> capabilities. */
export async function policyGrants(hcl: string): Promise<Record<string, string[]>> {
  const parsed = (await parseHcl("policy.hcl", hcl)) as { path?: Record<string, { capabilities?: string[] }[]> };
  const grants: Record<string, string[]> = {};
  for (const [path, blocks] of Object.entries(parsed.path ?? {})) {
    grants[path] = blocks.flatMap((block) => block.capabilities ?? []);
  }
  return grants;
}
