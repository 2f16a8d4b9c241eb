// Lists the exports of src/ that nothing else uses (loose ends), with the TypeScript
// compiler the project already has instead of a new dependency. An export is "used" when another
// file of src/, test/, bench/ or scripts/ names it; one named only in its own file is listed as
// "only used inside" (drop the `export`; types named in the file's signatures stay exported),
// one named nowhere as "unused" (delete it).
// Exit code 1 when it finds any, so CI can run it: `npm run unused-exports`.
//
// Text search, not a type-checker's references: a name that another file mentions for another
// reason counts as used, so the list can miss an export but never names a used one.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

const root = new URL('..', import.meta.url).pathname;
/** Exports that are used from outside TypeScript: the extension's entry points (package.json `main`). */
const ENTRY_POINTS = new Set(['src/extension/extension.ts:activate', 'src/extension/extension.ts:deactivate']);

function files(dir, out = []) {
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files(path, out);
    else if (/\.(ts|mts|mjs)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** The exported names of a file, each with whether it names a type (interface, type alias, class). */
function exportedNames(file, text) {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false);
  const names = [];
  const exported = (node) => ts.getCombinedModifierFlags(node) & ts.ModifierFlags.Export;
  for (const statement of source.statements) {
    if (ts.isVariableStatement(statement) && exported(statement.declarationList.declarations[0] ?? statement)) {
      for (const d of statement.declarationList.declarations)
        if (ts.isIdentifier(d.name)) names.push({ name: d.name.text, type: false });
    } else if (
      (ts.isFunctionDeclaration(statement) ||
        ts.isClassDeclaration(statement) ||
        ts.isInterfaceDeclaration(statement) ||
        ts.isTypeAliasDeclaration(statement) ||
        ts.isEnumDeclaration(statement)) &&
      statement.name &&
      exported(statement) &&
      !(ts.getCombinedModifierFlags(statement) & ts.ModifierFlags.Default)
    ) {
      const type =
        ts.isInterfaceDeclaration(statement) ||
        ts.isTypeAliasDeclaration(statement) ||
        ts.isClassDeclaration(statement);
      names.push({ name: statement.name.text, type });
    }
  }
  return names;
}

const srcFiles = files('src').filter((f) => f.endsWith('.ts'));
const topLevel = readdirSync(root).filter((f) => /\.(mjs|js|cjs)$/.test(f)); // esbuild.config.mjs, ...
const allFiles = [
  ...files('src'),
  ...files('test'),
  ...files('bench'),
  ...files('scripts'),
  ...files('examples'),
  ...topLevel,
];
const texts = new Map(allFiles.map((f) => [f, readFileSync(join(root, f), 'utf8')]));
const findings = [];
for (const file of srcFiles) {
  const text = texts.get(file);
  for (const { name, type } of exportedNames(file, text)) {
    if (ENTRY_POINTS.has(`${file}:${name}`)) continue;
    const word = new RegExp(`\\b${name.replace(/\$/g, '\\$')}\\b`);
    if ([...texts].some(([other, otherText]) => other !== file && word.test(otherText))) continue;
    const inside = text.match(new RegExp(`\\b${name.replace(/\$/g, '\\$')}\\b`, 'g')).length > 1;
    // A type named only in its file still names a part of that file's exported signatures.
    if (inside && type) continue;
    findings.push(`${relative(root, join(root, file))}: ${name} (${inside ? 'only used inside' : 'unused'})`);
  }
}
for (const line of findings) console.log(line);
console.log(findings.length ? `${findings.length} export(s) nothing else uses` : 'every export is used elsewhere');
process.exitCode = findings.length ? 1 : 0;
