import { parse } from "@cdktf/hcl2json";
import { synthStack } from "./support/fixtures";

/** Every `${...}` template in the synthesized JSON, with where it is. */
function expressions(node: unknown, path = ""): [string, string][] {
  if (typeof node === "string") return node.includes("${") ? [[path, node]] : [];
  if (Array.isArray(node)) return node.flatMap((item, i) => expressions(item, `${path}[${i}]`));
  if (node && typeof node === "object") return Object.entries(node).flatMap(([key, value]) => expressions(value, path ? `${path}.${key}` : key));
  return [];
}

describe("Terraform expressions in the synthesized stack", () => {
  it("parse with HashiCorp's HCL parser (Terraform reads ${...} in JSON as HCL templates)", async () => {
    const found = expressions(synthStack());
    // the role's backend reference, three password writes, three password validations
    expect(found.length).toBe(7);
    for (const [path, template] of found) {
      // A heredoc is a template like a JSON string value: its text is parsed exactly as Terraform parses the JSON's.
      const parsed = await parse(`${path}.hcl`, `value = <<EOT\n${template}\nEOT\n`).catch((e: Error) => e);
      expect([path, parsed instanceof Error ? parsed.message : "ok"]).toEqual([path, "ok"]);
    }
  });

  it("would catch an expression that is not HCL", async () => {
    await expect(parse("bad.hcl", `value = <<EOT\n\${var.x == undefined ? null : 1 +}\nEOT\n`)).rejects.toBeDefined();
  });
});
