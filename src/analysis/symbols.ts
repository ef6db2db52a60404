/**
 * The language server's questions about names — what is declared or referred to here, where is it
 * used — answered from the binder's table (`check/binder.ts`), the one the checker reads: the
 * editor never resolves a name a second way.
 */
import { notAName } from "../syntax/tokens.js";
import type { Span } from "../diagnostics/diagnostic.js";
import type { Binding, Declaration } from "../check/binder.js";
import * as valid from "../check/values.js";
import { isStandardModule } from "../stdlib/standard.js";

export type { Binding, Declaration, Reference, SymbolKind } from "../check/binder.js";

const within = (span: Span, offset: number) => span.start.offset <= offset && offset <= span.end.offset;

/** The declarations declared at, or referred to at, `offset` of `file` (several for an ambiguous name or a namespace of several blocks). */
export function symbolAt(binding: Binding, file: string, offset: number): Declaration[] {
  const declared = binding.declarations.find((d) => d.span.file === file && within(d.span, offset));
  if (declared)
    return declared.kind === "namespace"
      ? binding.declarations.filter((d) => d.kind === "namespace" && d.name === declared.name)
      : [declared];
  const ref = binding.references.find((r) => r.span.file === file && within(r.span, offset));
  return ref ? ref.declarations : [];
}

/** Where `declarations` are named: their declarations, then every reference that denotes one of them (an ambiguous name denotes none). */
export function referencesTo(binding: Binding, declarations: readonly Declaration[]): Span[] {
  const refs = binding.references
    .filter((r) => !r.ambiguous && r.declarations.some((d) => declarations.includes(d)))
    .map((r) => r.span);
  return [...declarations.map((d) => d.span), ...refs];
}

/** Whether `name` is a valid new name for a declaration of this kind (a problem, or nothing). */
const nameProblem: Record<Declaration["kind"], (name: string) => string | undefined> = {
  workload: valid.dns1123Label,
  namespace: valid.dns1123Label,
  group: valid.groupName,
  profile: valid.groupName,
  psp: valid.dns1123Subdomain,
};

/**
 * The edits that rename `declarations` (what `symbolAt` found) and every use of them to `newName`,
 * or why not: the standard library's names are not the program's to change.
 */
export function renameEdits(
  binding: Binding,
  declarations: readonly Declaration[],
  newName: string,
): { edits: { span: Span; text: string }[] } | { error: string } {
  if (declarations.length === 0) return { error: "there is no name here to rename" };
  if (declarations.some((d) => isStandardModule(d.span.file)))
    return {
      error: `\`${declarations[0].name}\` is declared by the standard library (\`${declarations[0].span.file}\`)`,
    };
  const problem = nameProblem[declarations[0].kind](newName);
  if (problem) return { error: `\`${newName}\` is no ${declarations[0].kind} name: it ${problem}` };
  // valid in Kubernetes, and still no name in secpol (`42` lexes as a number)
  const unwritable = notAName(newName);
  if (unwritable) return { error: `\`${newName}\` is no ${declarations[0].kind} name: ${unwritable}` };
  return { edits: referencesTo(binding, declarations).map((span) => ({ span, text: newName })) };
}
