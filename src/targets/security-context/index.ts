import type { Target } from "../target.js";
import { compileSecurityComponents } from "./compile.js";

/** The SecurityContext patches, as a kustomize Component per namespace (files, no objects of their own). */
export const securityContext: Target = {
  name: "security-context",
  pass: "security",
  compile: (model) => {
    const { files, components, diagnostics } = compileSecurityComponents(model);
    return { manifests: [], files, components, diagnostics };
  },
};
