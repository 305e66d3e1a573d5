/**
 * Reads TypeScript literals (strings, numbers, booleans, arrays, objects, `as const`) without
 * running the code. Anything else is an error naming the file and line: the catalog is data.
 */
import { Node, type Expression } from 'ts-morph';

export type Literal = string | number | boolean | null | Literal[] | { [key: string]: Literal };

export function where(node: Node): string {
  return `${node.getSourceFile().getFilePath()}:${node.getStartLineNumber()}`;
}

export function readLiteral(node: Expression | Node): Literal {
  if (Node.isAsExpression(node) || Node.isParenthesizedExpression(node) || Node.isSatisfiesExpression(node)) {
    return readLiteral(node.getExpression());
  }
  if (Node.isStringLiteral(node) || Node.isNoSubstitutionTemplateLiteral(node)) return node.getLiteralValue();
  if (Node.isNumericLiteral(node)) return node.getLiteralValue();
  if (Node.isTrueLiteral(node)) return true;
  if (Node.isFalseLiteral(node)) return false;
  if (Node.isNullLiteral(node)) return null;
  if (Node.isPrefixUnaryExpression(node) && node.getOperatorToken() === 41 /* MinusToken */) {
    const value = readLiteral(node.getOperand());
    if (typeof value === 'number') return -value;
  }
  if (Node.isArrayLiteralExpression(node)) return node.getElements().map((e) => readLiteral(e));
  if (Node.isObjectLiteralExpression(node)) {
    const out: { [key: string]: Literal } = {};
    for (const prop of node.getProperties()) {
      if (!Node.isPropertyAssignment(prop)) throw new Error(`${where(prop)}: only plain properties are allowed here`);
      const init = prop.getInitializerOrThrow();
      out[prop.getNameNode().getText().replace(/^['"]|['"]$/g, '')] = readLiteral(init);
    }
    return out;
  }
  throw new Error(`${where(node)}: '${node.getText().slice(0, 60)}' is not a literal; the catalog must be plain data`);
}

/** The text of the /** ... *\/ comment right before a node, without the stars. */
export function leadingDoc(node: Node): string | null {
  const ranges = node.getLeadingCommentRanges().filter((r) => r.getText().startsWith('/**'));
  const last = ranges[ranges.length - 1];
  if (!last) return null;
  return last
    .getText()
    .replace(/^\/\*\*\s?/, '')
    .replace(/\s*\*\/$/, '')
    .split('\n')
    .map((line) => line.replace(/^\s*\* ?/, ''))
    .join('\n')
    .trim();
}
