/**
 * A stack's Terraform JSON: what cdktf's `TerraformStack.toTerraform()` returns (cdktf 0.21), built in one pass.
 *
 * cdktf resolves every element's fragment, merges the fragments, and then resolves the merged document once more.
 * The fragments are resolved already, so that last pass only copies them; at 3000 accounts it is a quarter of the
 * synth and its largest allocation (BENCHMARKS.md). Here only the parts that were never resolved are: the stack's
 * metadata block and its own overrides. test/synth.test.ts compares the result with cdktf's for several stacks.
 */
import { DefaultTokenResolver, StringConcat, TerraformElement, TerraformOutput, TerraformStack, Tokenization } from "cdktf";
import { deepMerge } from "cdktf/lib/util";
import type { TerraformJson } from "../rules/terraform-json";

const RESOLVER = new DefaultTokenResolver(new StringConcat());
const resolve = <T>(stack: TerraformStack, value: T): T => Tokenization.resolve(value, { scope: stack, preparing: false, resolver: RESOLVER });

/** Fields cdktf keeps private on TerraformStack and reads in toTerraform(). */
interface StackInternals {
  readonly rawOverrides: Record<string, unknown>;
  readonly cdktfVersion?: string;
}

export function stackJson(stack: TerraformStack): TerraformJson {
  const { rawOverrides, cdktfVersion } = stack as unknown as StackInternals;
  const elements = terraformElements(stack);

  const metadata: Record<string, unknown> = {
    version: cdktfVersion,
    stackName: stack.node.id,
    backend: "local", // a backend's own metadata overwrites it
    cloud: undefined,
    ...(Object.keys(rawOverrides).length > 0 ? { overrides: { stack: Object.keys(rawOverrides) } } : {}),
  };
  for (const element of elements) deepMerge(metadata, resolve(stack, element.toMetadata()));

  // Output ids by construct path: { stack: { construct: { output: "friendly_id" } } }.
  const outputs: Record<string, unknown> = {};
  for (const element of elements.filter(TerraformOutput.isTerraformOutput)) {
    deepMerge(outputs, element.node.path.split("/").reduceRight<Record<string, unknown>>((inner, part) => ({ [part]: Object.keys(inner).length === 0 ? element.friendlyUniqueId : inner }), {}));
  }

  const tf: Record<string, unknown> = { "//": resolve(stack, { metadata, outputs }) };
  for (const element of elements) deepMerge(tf, resolve(stack, element.toTerraform()));
  deepMerge(tf, resolve(stack, rawOverrides));
  return tf as TerraformJson;
}

/** The stack's elements in construct-tree order, as cdktf collects them (not descending into nested stacks). */
function terraformElements(node: TerraformStack | TerraformElement | { node: { children: readonly unknown[] } }, into: TerraformElement[] = []): TerraformElement[] {
  if (TerraformElement.isTerraformElement(node)) into.push(node);
  for (const child of node.node.children) {
    if (!TerraformStack.isStack(child)) terraformElements(child as TerraformElement, into);
  }
  return into;
}
