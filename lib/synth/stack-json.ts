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
import { stackValidationFailure } from "cdktf/lib/errors";
import { ValidateProviderPresence } from "cdktf/lib/validations/validate-provider-presence";
import type { IConstruct } from "constructs";
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

/** One construct's part of the stack's JSON. */
interface Rendered {
  /** Its construct validation errors, `[path] message`, as cdktf's runAllValidations() words them. */
  readonly errors: string[];
  /** Per Terraform element: its metadata (when it has any) and its resolved fragment. */
  readonly metadata: unknown[];
  readonly fragments: unknown[];
  readonly outputs: TerraformOutput[];
}

/**
 * Builds a stack's Terraform JSON, optionally while the stack is still being built.
 *
 * `release` is for a stack that creates many constructs of one kind (the accounts' read policies and secrets): it
 * validates and renders a completed construct into the JSON and removes it from the construct tree at once, so that
 * the tree never holds all of them, and their fragments are merged while they are young. At 30000 accounts the whole
 * tree was about 200 MB of a 900 MB peak (BENCHMARKS.md); cdktf's global token map keeps a stack alive once one of its
 * references is resolved, so a finished tree is never freed.
 *
 * Everything is rendered and merged in construct-tree order, as cdktf's toTerraform() and runAllValidations() do: a
 * release first renders the stack's children that came before it. `finish` renders the rest, and renders those
 * earlier children again: if one changed after it was rendered, it refuses, rather than write what it was.
 * test/synth.test.ts compares a released build with cdktf's toTerraform() of the whole stack.
 */
export class StackJsonBuilder {
  private stack?: TerraformStack;
  private finished = false;
  /** Stack children rendered by a release, in order (they stay in the tree), and what they rendered to. */
  private readonly early: { readonly child: IConstruct; readonly json: string }[] = [];
  private readonly errors: string[] = [];
  private readonly metadata: Record<string, unknown> = {};
  private readonly outputs: Record<string, unknown> = {};
  private readonly tf: Record<string, unknown> = {};
  /** Provider names with a provider construct in the stack (providers come first and are never released). */
  private providers = new Set<string>();

  /**
   * Renders `construct`, which must be the stack's newest child and complete (nothing in it may change, or refer to
   * anything that does not exist yet), and detaches it from the tree.
   */
  readonly release = (construct: IConstruct): void => {
    if (this.finished) throw new Error(`release: ${construct.node.path} came after finish()`);
    const stack = construct.node.scope;
    if (!stack || !TerraformStack.isStack(stack)) throw new Error(`release: ${construct.node.path} is not a direct child of a stack`);
    if (this.stack && this.stack !== stack) throw new Error(`release: ${construct.node.path} is not in stack ${this.stack.node.path}`);
    this.stack = stack;
    const children = stack.node.children.filter((child) => !TerraformStack.isStack(child));
    if (children[children.length - 1] !== construct) throw new Error(`release: ${construct.node.path} is not the stack's newest child`);
    for (const child of children.slice(this.early.length, -1)) this.early.push({ child, json: fingerprint(this.add(render(stack, child))) });
    this.checkProviders(stack, construct);
    const part = render(stack, construct);
    if (part.outputs.length > 0) throw new Error(`release: ${construct.node.path} holds an output, which only the stack itself may hold`);
    this.add(part);
    stack.node.tryRemoveChild(construct.node.id);
  };

  /**
   * The stack's Terraform JSON: what cdktf's toTerraform() returns for the whole stack, released constructs included.
   * Throws, as cdktf's runAllValidations() does, when a construct's validation fails.
   */
  finish(stack: TerraformStack): TerraformJson {
    if (this.finished) throw new Error("finish: a StackJsonBuilder builds one stack's JSON once");
    this.finished = true;
    if (this.stack && this.stack !== stack) throw new Error(`finish: constructs of ${this.stack.node.path} were released, not of ${stack.node.path}`);
    const children = stack.node.children.filter((child) => !TerraformStack.isStack(child));
    this.early.forEach(({ child, json }, i) => {
      if (children[i] !== child || fingerprint(render(stack, child)) !== json) {
        throw new Error(`${child.node.path} changed after a later construct was released: create it complete, or release nothing before it`);
      }
    });
    for (const child of children.slice(this.early.length)) this.add(render(stack, child));

    // The stack's own validations come first (cdktf: stack.node.findAll() is pre-order).
    const errors = [...stack.node.validate().map((message) => `[${stack.node.path}] ${message}`), ...this.errors];
    if (errors.length > 0) throw stackValidationFailure(errors.join("\n  "));

    const { rawOverrides, cdktfVersion } = stack as unknown as StackInternals;
    const metadata: Record<string, unknown> = {
      version: cdktfVersion,
      stackName: stack.node.id,
      backend: "local", // a backend's own metadata overwrites it
      cloud: undefined,
      ...(Object.keys(rawOverrides).length > 0 ? { overrides: { stack: Object.keys(rawOverrides) } } : {}),
    };
    deepMerge(metadata, this.metadata);
    // "//" first, as cdktf writes it; then the merged fragments' own keys, in the order they came.
    const tf: Record<string, unknown> = { "//": resolve(stack, { metadata, outputs: this.outputs }) };
    for (const key of Object.keys(this.tf)) tf[key] = this.tf[key];
    deepMerge(tf, resolve(stack, rawOverrides));
    return tf as TerraformJson;
  }

  /** Merges a rendered part into what is built so far; returns it. */
  private add(part: Rendered): Rendered {
    this.errors.push(...part.errors);
    for (const fragment of part.metadata) deepMerge(this.metadata, fragment);
    // Output ids by construct path: { stack: { construct: { output: "friendly_id" } } }.
    for (const output of part.outputs) {
      deepMerge(this.outputs, output.node.path.split("/").reduceRight<Record<string, unknown>>((inner, name) => ({ [name]: Object.keys(inner).length === 0 ? output.friendlyUniqueId : inner }), {}));
    }
    for (const fragment of part.fragments) deepMerge(this.tf, fragment);
    return part;
  }

  /**
   * cdktf's own ValidateProviderPresence, which the stack's validation runs on what is left in the tree, for a released
   * construct: each of its resources needs a provider construct in the stack. Its providers are looked for in the
   * stack (a walk of what is left) only when one is not among those found before: providers come first and stay.
   */
  private checkProviders(stack: TerraformStack, construct: IConstruct): void {
    const presence = new ValidateProviderPresence(stack);
    presence.check(construct);
    if ([...presence.providerNames].every((name) => this.providers.has(name))) return;
    const errors = presence.validate(); // also checks the stack, with `construct` still in it
    if (errors.length > 0) throw stackValidationFailure(errors.map((message) => `[${stack.node.path}] ${message}`).join("\n  "));
    this.providers = new Set(presence.foundProviders.flatMap((provider) => provider.terraformGeneratorMetadata?.providerName ?? []));
  }
}

/** The stack's Terraform JSON, as cdktf's toTerraform() gives it; throws as runAllValidations() does. */
export function stackJson(stack: TerraformStack): TerraformJson {
  return new StackJsonBuilder().finish(stack);
}

/** What a part rendered to, to compare two renders of one construct. */
const fingerprint = (part: Rendered): string => JSON.stringify({ ...part, outputs: part.outputs.map((output) => output.node.path) });

/** A stack child's validation errors and its elements' metadata and resolved fragments. */
function render(stack: TerraformStack, construct: IConstruct): Rendered {
  const errors = construct.node.findAll().flatMap((node) => node.node.validate().map((message) => `[${node.node.path}] ${message}`));
  const elements = terraformElements(construct);
  const metadata: unknown[] = [];
  for (const element of elements) {
    const own = resolve(stack, element.toMetadata());
    if (Object.keys(own).length > 0) metadata.push(own);
  }
  const fragments = elements.map((element) => resolve(stack, element.toTerraform()));
  return { errors, metadata, fragments, outputs: elements.filter(TerraformOutput.isTerraformOutput) };
}

/** The elements in `node`'s subtree in construct-tree order, as cdktf collects them (not descending into nested stacks). */
function terraformElements(node: IConstruct, into: TerraformElement[] = []): TerraformElement[] {
  if (TerraformElement.isTerraformElement(node)) into.push(node);
  for (const child of node.node.children) {
    if (!TerraformStack.isStack(child)) terraformElements(child, into);
  }
  return into;
}
