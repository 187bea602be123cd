import type { Cause } from '../pipeline/finding.js';

/** One problem at one place in a spec. */
export interface SpecIssue {
  cause: Cause;
  /** JSON pointer of the offending node ("#/components/schemas/Order/properties/items"). */
  pointer: string;
  /** `METHOD path (operationId)`, when the problem belongs to one operation's own input (or its name, description…). */
  operation: string | null;
  /**
   * The `$ref` target (a shared component) the problem was found in, when it was found there: such a problem is listed
   * once, with `operation: null`, and every operation whose input reaches the component names it in `reaches`.
   */
  component?: string;
  message: string;
}

export interface NodeContext {
  pointer: string;
  /** 3.0 vs 3.1 decides what `nullable` and `type: [..]` mean. */
  version: '2.0' | '3.0' | '3.1';
  /** 0 for the root of an operation's input schema, >0 below it; null inside a shared component. */
  depth: number | null;
}

/** A rule that looks at one schema node (not following $ref): one file each under rules/. */
export interface SchemaRule {
  causes: Cause[];
  check(node: Record<string, unknown>, ctx: NodeContext): Omit<SpecIssue, 'operation'>[];
}
