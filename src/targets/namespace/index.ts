import type { Target } from "../target.js";
import { compileNamespaces } from "./compile.js";

/** A Namespace object per owned namespace, with its Pod Security labels. */
export const namespace: Target = {
  name: "namespace",
  compile: (model) => ({ manifests: compileNamespaces(model) }),
};
