/**
 * The Prettier plugin for `.secpol`: `npx prettier --plugin secpolc/prettier file.secpol`. It wraps
 * the same core formatter as `secpolc fmt` (which calls Prettier with this plugin), so both give
 * the same bytes. A file with syntax errors is not formatted: the first error is thrown with its
 * location, as Prettier expects of a parser.
 */
import { doc, type Parser, type Printer, type SupportLanguage, type SupportOptions } from "prettier";
import { format } from "./format.js";

interface Root {
  type: "secpol";
  formatted: string;
}

export const languages: SupportLanguage[] = [
  {
    name: "secpol",
    parsers: ["secpol"],
    extensions: [".secpol"],
    vscodeLanguageIds: ["secpol"],
    linguistLanguageId: 0,
  },
];

export const options: SupportOptions = {
  secpolAlignWorkloads: {
    type: "boolean",
    category: "secpol",
    default: true,
    description: "Align the name and selector columns of adjacent workload declarations.",
  },
};

export const parsers: Record<string, Parser<Root>> = {
  secpol: {
    astFormat: "secpol",
    parse(text, opts) {
      const path = (opts as { filepath?: string }).filepath ?? "<input>";
      const result = format(text, path, {
        alignWorkloads: (opts as { secpolAlignWorkloads?: boolean }).secpolAlignWorkloads !== false,
      });
      if (result.text === undefined) {
        const first = result.diagnostics.find((d) => d.severity === "error")!;
        const error = new SyntaxError(`${first.code}: ${first.message}`) as SyntaxError & { loc: unknown };
        error.loc = { start: { line: first.span.start.line, column: first.span.start.column } };
        throw error;
      }
      return { type: "secpol", formatted: result.text };
    },
    locStart: () => 0,
    locEnd: (node) => node.formatted.length,
  },
};

export const printers: Record<string, Printer<Root>> = {
  secpol: {
    print(path) {
      const lines = path.node.formatted.split("\n");
      lines.pop(); // the text ends with a line break
      return lines.length === 0 ? "" : [doc.builders.join(doc.builders.hardline, lines), doc.builders.hardline];
    },
  },
};

export default { languages, options, parsers, printers };
