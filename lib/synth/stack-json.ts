/**
 * A stack's Terraform JSON: what cdktf's `TerraformStack.toTerraform()` returns (cdktf 0.21), built in one pass.
 *
 * cdktf resolves every element's fragment, merges the fragments, and then resolves the merged document once more.
 * The fragments are resolved already, so that last pass only copies them; at 3000 accounts it is a quarter of the
 * synth and its largest allocation (BENCHMARKS.md). Here only the parts that were never resolved are: the stack's
 * metadata block and its own overrides. test/synth.test.ts compares the result with cdktf's for several stacks.
 *
 * Resolving is also skipped for every fragment that holds no token: cdktf's resolver walks each value with a fresh
 * context object per key, and at 3000 accounts only the roles' reference to the JWT backend's path is a token (10 of
 * 9,030 fragments). A fragment without tokens resolves to a copy of itself without its undefined entries
 * (node_modules/cdktf/lib/tokens/private/resolve.js, `resolve`: primitives as-is, undefined skipped in arrays and
 * objects), which `plainCopy` makes directly.
 */
import { DefaultTokenResolver, StringConcat, TerraformElement, TerraformOutput, TerraformStack, Tokenization } from "cdktf";
import { deepMerge } from "cdktf/lib/util";
import type { TerraformJson } from "../../rules/terraform-json";

const RESOLVER = new DefaultTokenResolver(new StringConcat());
const resolveTokens = <T>(stack: TerraformStack, value: T): T => Tokenization.resolve(value, { scope: stack, preparing: false, resolver: RESOLVER });

/** What cdktf's resolver returns for `value`: a plain copy when it holds no token, else cdktf's own resolution. */
function resolve<T>(stack: TerraformStack, value: T): T {
  const copy = plainCopy(value);
  return copy === HOLDS_TOKEN ? resolveTokens(stack, value) : (copy as T);
}

const HOLDS_TOKEN = Symbol("holds a token");
/**
 * cdktf's number tokens in a string (its NUMBER_TOKEN_REGEX, node_modules/cdktf/lib/tokens/private/encoding.js line
 * 32, without the global flag). It matches some plain strings too ("1e5"); those take cdktf's path, which keeps them.
 */
const NUMBER_TOKEN_IN_STRING = /[-|\d|.\+]+(e[-|\d|.|e|E|\+]+)/;

/**
 * `value` without undefined entries, or HOLDS_TOKEN when any part of it might be a token: a string or key with a
 * token marker (`${TfToken[`, `#{TfToken[`, `&{TfToken[`, encoding.js lines 20-22) or an encoded number, a number
 * that is not a safe integer (token numbers are huge doubles, encoding.js `createTokenDouble`), a function (so also a
 * plain object with a resolve() method, which cdktf takes for a token), or any object that is not a plain object or
 * array (a resolvable such as Lazy, a Date, a construct). Conservative: anything doubtful is
 * left to cdktf.
 */
function plainCopy(value: unknown): unknown {
  switch (typeof value) {
    case "string":
      return isPlainString(value) ? value : HOLDS_TOKEN;
    case "number":
      return Number.isSafeInteger(value) ? value : HOLDS_TOKEN;
    case "boolean":
    case "undefined":
      return value;
    case "object":
      if (value === null) return null;
      if (Array.isArray(value)) return plainArrayCopy(value);
      return Object.getPrototypeOf(value) === Object.prototype ? plainObjectCopy(value as Record<string, unknown>) : HOLDS_TOKEN;
    default:
      return HOLDS_TOKEN;
  }
}

const isPlainString = (text: string): boolean => !text.includes("TfToken[") && !NUMBER_TOKEN_IN_STRING.test(text);

function plainArrayCopy(items: readonly unknown[]): unknown {
  const copy: unknown[] = [];
  for (const item of items) {
    const itemCopy = plainCopy(item);
    if (itemCopy === HOLDS_TOKEN) return HOLDS_TOKEN;
    if (itemCopy !== undefined) copy.push(itemCopy);
  }
  return copy;
}

function plainObjectCopy(object: Record<string, unknown>): unknown {
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(object)) {
    if (!isPlainString(key)) return HOLDS_TOKEN;
    const valueCopy = plainCopy(object[key]);
    if (valueCopy === HOLDS_TOKEN) return HOLDS_TOKEN;
    if (valueCopy !== undefined) copy[key] = valueCopy;
  }
  return copy;
}

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
