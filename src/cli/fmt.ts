/**
 * `secpolc fmt [--check] [FILES|DIRS...]`: formats `.secpol` files in place through the Prettier
 * plugin (the same bytes `npx prettier --plugin secpolc/prettier` writes). `--check` writes nothing
 * and lists the files that are not formatted. A file with errors is left untouched and reported;
 * each file is replaced atomically (written beside it, then renamed over it). `fmt -` formats
 * standard input to standard output.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import * as prettier from "prettier";
import type { Diagnostic, SourceText } from "../index.js";
import { format } from "../format/format.js";
import * as plugin from "../format/prettier-plugin.js";
import { replaceFile } from "./write.js";

export interface FmtOutcome {
  /** Files whose text changes (written unless checking). */
  changed: string[];
  /** The same files with their text and their formatted text. */
  changes: { path: string; text: string; formatted: string }[];
  diagnostics: Diagnostic[];
}

/** The formatted text of one file, or, when the plugin refuses it, the diagnostics saying why. */
export async function formatSource(source: SourceText): Promise<{ text?: string; diagnostics: Diagnostic[] }> {
  try {
    return {
      text: await prettier.format(source.text, { parser: "secpol", plugins: [plugin], filepath: source.path }),
      diagnostics: [],
    };
  } catch {
    // the plugin throws the first error only; the core gives them all, with spans
    return { diagnostics: format(source.text, source.path).diagnostics };
  }
}

export async function formatFiles(root: string, sources: readonly SourceText[], check: boolean): Promise<FmtOutcome> {
  const outcome: FmtOutcome = { changed: [], changes: [], diagnostics: [] };
  for (const source of sources) {
    const result = await formatSource(source);
    outcome.diagnostics.push(...result.diagnostics);
    if (result.text === undefined || result.text === source.text) continue;
    outcome.changed.push(source.path);
    outcome.changes.push({ path: source.path, text: source.text, formatted: result.text });
    if (!check) replaceFile(resolve(root, source.path), result.text);
  }
  return outcome;
}

export const readStdin = (): string => readFileSync(0, "utf8");
