// Which product source files (grammar/, compiler/, runtime/, cli/) name each IR op, found with the
// TypeScript checker so that only uses as an op count (comments and unrelated strings do not):
//   - a string literal whose contextual type is a union of op names (OpName, GradOp, subsets:
//     two or more, and at least half its members), or compared with (===, case) an expression of
//     such a type;
//   - a string literal in an array literal of two or more op names;
//   - a literal type in a union type of op names (two or more, at least half its members);
//   - a property key of an object literal that is an op table: contextually typed by a record over
//     op names (three or more op-named properties, at least half of them), or with three or more
//     keys that are all op names.
// A literal that reaches an op only through an untyped variable is missed: bind op names with a
// type (`satisfies Record<string, OpName>`), as the language bindings do.
// Typed op calls (`b.op.mul([x, y])`) are property accesses: they name no op in this sense.
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

export const PRODUCT_DIRS = ['grammar', 'compiler', 'runtime', 'cli'];

function sources(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(p);
    }
  };
  for (const d of PRODUCT_DIRS) walk(join(root, d));
  return out;
}

/** For every op name: the product files (relative to root) that name it, sorted. */
export function filesNamingOps(root: string): Map<string, string[]> {
  const files = sources(root);
  const program = ts.createProgram(files, {
    target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true, noEmit: true, skipLibCheck: true, types: [],
  });
  const checker = program.getTypeChecker();
  const ir = program.getSourceFile(join(root, 'runtime/ir.ts'))!;
  const alias = ir.statements.find((s): s is ts.TypeAliasDeclaration => ts.isTypeAliasDeclaration(s) && s.name.text === 'OpName')!;
  const ops = new Set(literals(checker.getTypeAtLocation(alias.name)));
  const mostly = (names: string[]) => {
    const n = names.filter((v) => ops.has(v)).length;
    return n >= 2 && 2 * n >= names.length ? n : 0;
  };
  const opTyped = (t: ts.Type | undefined) => !!t && mostly(literals(t)) >= 2;
  const opKeys = (t: ts.Type | undefined) => (t ? mostly(checker.getPropertiesOfType(t).map((p) => p.name)) : 0);

  const named = new Map<string, Set<string>>([...ops].map((op) => [op, new Set<string>()]));
  for (const file of files) {
    const sf = program.getSourceFile(file)!;
    const rel = relative(root, file);
    const hit = (op: string) => named.get(op)?.add(rel);
    const isOpTable = (o: ts.ObjectLiteralExpression) =>
      (o.properties.length >= 3 && o.properties.every((p) => p.name && ops.has(propName(p.name)))) || opKeys(checker.getContextualType(o)) >= 3;
    const visit = (node: ts.Node): void => {
      if ((ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) && ops.has(node.text)) {
        const p = node.parent;
        const counted =
          (ts.isCaseClause(p) && opTyped(checker.getTypeAtLocation(p.parent.parent.expression))) ||
          (ts.isBinaryExpression(p) && isEquality(p.operatorToken.kind) && opTyped(checker.getTypeAtLocation(p.left === node ? p.right : p.left))) ||
          (ts.isArrayLiteralExpression(p) && p.elements.filter((e) => ts.isStringLiteral(e) && ops.has(e.text)).length >= 2) ||
          (ts.isLiteralTypeNode(p) && ts.isUnionTypeNode(p.parent) && mostly(p.parent.types.map((t) => (ts.isLiteralTypeNode(t) && ts.isStringLiteral(t.literal) ? t.literal.text : ''))) >= 2) ||
          opTyped(checker.getContextualType(node));
        if (counted) hit(node.text);
      }
      if (ts.isObjectLiteralExpression(node) && isOpTable(node)) {
        for (const p of node.properties) if (p.name && ops.has(propName(p.name))) hit(propName(p.name));
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return new Map([...named].map(([op, set]) => [op, [...set].sort()]));
}

function literals(t: ts.Type): string[] {
  const parts = t.isUnion() ? t.types : [t];
  return parts.filter((p): p is ts.StringLiteralType => p.isStringLiteral()).map((p) => p.value);
}

const isEquality = (k: ts.SyntaxKind) =>
  k === ts.SyntaxKind.EqualsEqualsEqualsToken || k === ts.SyntaxKind.ExclamationEqualsEqualsToken ||
  k === ts.SyntaxKind.EqualsEqualsToken || k === ts.SyntaxKind.ExclamationEqualsToken;

function propName(n: ts.PropertyName): string {
  return ts.isIdentifier(n) || ts.isStringLiteral(n) || ts.isNumericLiteral(n) ? n.text : '';
}
