/**
 * Evaluates the Terraform expressions that appear in a synthesized cdk.tf.json (`"${...}"` strings), for the
 * provider stand-in (provider-standin.ts): references to variables and to other resources' configured attributes,
 * string/number/bool/null literals, `==`, `!=`, `&&`, `||`, `! `, the conditional `a ? b : c`, object literals and
 * `jsonencode`. Anything else is refused with an error naming the expression, so that a new kind of expression in the
 * stack fails the end-to-end tests loudly instead of being applied wrongly; extend this file then.
 */

export type Value = string | number | boolean | null | Value[] | { [key: string]: Value };

export interface Scope {
  /** `var.<name>`: the value of an input variable (undefined: not declared). */
  variable(name: string): Value | undefined;
  /** `<type>.<name>.<attribute>`: a configured attribute of another resource. */
  resource(type: string, name: string, attribute: string): Value;
}

export class ExpressionError extends Error {}

/** Evaluates every `${...}` in a JSON value (deeply); strings without one are literals. */
export function evaluateJson(value: unknown, scope: Scope): Value {
  if (typeof value === "string") return evaluateString(value, scope);
  if (Array.isArray(value)) return value.map((v) => evaluateJson(v, scope));
  if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, evaluateJson(v, scope)]));
  return value as Value;
}

/** A string of the JSON syntax: a single `${expr}` yields the expression's value; text around it makes a template. */
export function evaluateString(text: string, scope: Scope): Value {
  const parts: Value[] = [];
  let literal = "";
  let i = 0;
  while (i < text.length) {
    if (text.startsWith("$${", i)) {
      literal += "${";
      i += 3;
    } else if (text.startsWith("${", i)) {
      const parser = new Parser(text, i + 2, scope);
      const value = parser.expression();
      i = parser.expect("}");
      if (literal) parts.push(literal);
      literal = "";
      parts.push(value);
    } else {
      literal += text[i++];
    }
  }
  if (literal) parts.push(literal);
  if (parts.length === 1 && text.startsWith("${")) return parts[0];
  return parts.map((p) => (typeof p === "string" ? p : JSON.stringify(p))).join("");
}

const FUNCTIONS: Record<string, (args: Value[]) => Value> = {
  jsonencode: ([value]) => JSON.stringify(value),
};

class Parser {
  constructor(
    private readonly text: string,
    private pos: number,
    private readonly scope: Scope,
  ) {}

  private fail(what: string): never {
    throw new ExpressionError(`cannot evaluate ${JSON.stringify(this.text)} at ${this.pos}: ${what} (test/e2e/support/hcl-expressions.ts evaluates only what the stack uses)`);
  }

  private skip(): void {
    while (/\s/.test(this.text[this.pos] ?? "")) this.pos++;
  }

  private accept(token: string): boolean {
    this.skip();
    if (!this.text.startsWith(token, this.pos)) return false;
    this.pos += token.length;
    return true;
  }

  /** Consumes `token` and returns the position after it. */
  expect(token: string): number {
    if (!this.accept(token)) this.fail(`expected "${token}"`);
    return this.pos;
  }

  expression(): Value {
    const condition = this.or();
    if (!this.accept("?")) return condition;
    const then = this.expression();
    this.expect(":");
    const otherwise = this.expression();
    if (typeof condition !== "boolean") this.fail("the condition is not a bool");
    return condition ? then : otherwise;
  }

  private or(): Value {
    let left = this.and();
    while (this.accept("||")) {
      const right = this.and();
      left = this.bool(left) || this.bool(right);
    }
    return left;
  }

  private and(): Value {
    let left = this.comparison();
    while (this.accept("&&")) {
      const right = this.comparison();
      left = this.bool(left) && this.bool(right);
    }
    return left;
  }

  private bool(value: Value): boolean {
    if (typeof value !== "boolean") this.fail("a logical operator needs bool operands");
    return value;
  }

  private comparison(): Value {
    const left = this.unary();
    if (this.accept("==")) return JSON.stringify(left) === JSON.stringify(this.unary());
    if (this.accept("!=")) return JSON.stringify(left) !== JSON.stringify(this.unary());
    return left;
  }

  private unary(): Value {
    if (this.accept("!")) return !this.bool(this.unary());
    return this.primary();
  }

  private primary(): Value {
    this.skip();
    if (this.accept("(")) {
      const value = this.expression();
      this.expect(")");
      return value;
    }
    if (this.accept("{")) return this.object();
    if (this.text[this.pos] === '"') return this.string();
    const number = /^-?\d+(\.\d+)?/.exec(this.text.slice(this.pos));
    if (number) {
      this.pos += number[0].length;
      return Number(number[0]);
    }
    const name = this.identifier();
    if (name === "null") return null;
    if (name === "true" || name === "false") return name === "true";
    if (this.accept("(")) {
      const args: Value[] = [];
      while (!this.accept(")")) {
        args.push(this.expression());
        this.accept(",");
      }
      const fn = FUNCTIONS[name] ?? this.fail(`function ${name}() is not supported`);
      return fn(args);
    }
    const path = [name];
    while (this.accept(".")) path.push(this.identifier());
    if (path[0] === "var" && path.length === 2) {
      const value = this.scope.variable(path[1]);
      if (value === undefined) this.fail(`variable ${path[1]} is not declared`);
      return value;
    }
    if (path.length === 3) return this.scope.resource(path[0], path[1], path[2]);
    return this.fail(`reference ${path.join(".")} is not supported`);
  }

  private identifier(): string {
    this.skip();
    const match = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(this.text.slice(this.pos)) ?? this.fail("expected a name");
    this.pos += match[0].length;
    return match[0];
  }

  private string(): string {
    let value = "";
    this.pos++; // opening quote
    for (;;) {
      const c = this.text[this.pos++];
      if (c === undefined) this.fail("unterminated string");
      if (c === '"') return value;
      if (c === "$" && this.text[this.pos] === "{") this.fail("interpolation inside a quoted string is not supported");
      if (c === "\\") {
        const escaped = this.text[this.pos++];
        value += ({ n: "\n", t: "\t", '"': '"', "\\": "\\" } as Record<string, string>)[escaped] ?? this.fail(`escape \\${escaped} is not supported`);
      } else {
        value += c;
      }
    }
  }

  private object(): Value {
    const result: Record<string, Value> = {};
    while (!this.accept("}")) {
      this.skip();
      const key = this.text[this.pos] === '"' ? this.string() : this.identifier();
      if (!this.accept("=") && !this.accept(":")) this.fail("expected = or : after an object key");
      result[key] = this.expression();
      this.accept(",");
    }
    return result;
  }
}
