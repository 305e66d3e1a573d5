/**
 * The JSDoc codegen turns into help: read statically with ts-morph, since JSDoc does not exist at
 * run time. Everything else codegen reads is imported (sources.ts).
 */
import { Node, type SourceFile } from 'ts-morph';

export function where(node: Node): string {
  return `${node.getSourceFile().getFilePath()}:${node.getStartLineNumber()}`;
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

/**
 * For each `export const Name = f({ ... })` of a file: the JSDoc of the statement, and the JSDoc of
 * each property of its object's member `member` (a command's parameters, a method's params), by
 * property name (null where there is none).
 */
export function declarationDocs(file: SourceFile, member: string): Map<string, { doc: string | null; members: Map<string, string | null> }> {
  const out = new Map<string, { doc: string | null; members: Map<string, string | null> }>();
  for (const statement of file.getVariableStatements()) {
    for (const variable of statement.getDeclarations()) {
      const init = variable.getInitializer();
      if (!init || !Node.isCallExpression(init)) continue;
      const arg = init.getArguments()[0];
      if (!arg || !Node.isObjectLiteralExpression(arg)) continue;
      const members = new Map<string, string | null>();
      const prop = arg.getProperty(member);
      if (prop) {
        const value = Node.isPropertyAssignment(prop) ? prop.getInitializer() : undefined;
        if (!value || !Node.isObjectLiteralExpression(value)) throw new Error(`${where(prop)}: ${member} must be written as an object literal here, so that its JSDoc can be read`);
        for (const p of value.getProperties()) {
          const name = Node.isPropertyAssignment(p) ? p.getName().replace(/^['"]|['"]$/g, '') : p.getText();
          const doc = leadingDoc(p);
          members.set(name, doc === null ? null : doc.replace(/\s+/g, ' '));
        }
      }
      out.set(variable.getName(), { doc: leadingDoc(statement), members });
    }
  }
  return out;
}
