import type { Span } from "../diagnostics/diagnostic.js";

/** The annotation naming the source lines an object came from. */
export const SOURCE_ANNOTATION = "secpol.dev/source";

/** A Kubernetes object to emit, with the source positions it came from (for its annotation). */
export interface Manifest {
  object: {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace?: string; [key: string]: unknown };
    [key: string]: unknown;
  };
  sources: Span[];
}
