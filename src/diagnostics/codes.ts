/**
 * The catalogue by code: what `# secpol-ignore` comments and report formats (SARIF rules) ask of a
 * code (its entry's name and severity).
 */
import type { Severity } from "./diagnostic.js";
import * as catalogue from "./messages.js";

export interface CodeInfo {
  /** The entry's name in its area, e.g. `egressWithoutDns`. */
  name: string;
  severity: Severity;
}

export const codes: ReadonlyMap<string, CodeInfo> = new Map(
  Object.values(catalogue).flatMap((area) =>
    Object.entries(area).map(([name, e]) => [e.code, { name, severity: e.severity }] as const),
  ),
);
