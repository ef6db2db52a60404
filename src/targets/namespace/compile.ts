import type { Model } from "../../semantics/model.js";
import { NAMESPACE_NAME_LABEL, hasAutomaticNameLabel } from "../../semantics/model.js";
import type { Manifest } from "../../output/manifest.js";

/**
 * One Namespace object per owned namespace with the labels the program owns. From 1.22 the API
 * server sets `kubernetes.io/metadata.name` itself; before that the compiler writes it, since
 * namespaces are selected by name through it.
 */
export function compileNamespaces(model: Model): Manifest[] {
  return model.namespaces.map((n) => {
    const labels = Object.fromEntries(
      Object.entries(n.labels)
        .filter(([key]) => key !== NAMESPACE_NAME_LABEL || !hasAutomaticNameLabel(model.cluster))
        .sort(([a], [b]) => (a < b ? -1 : 1)),
    );
    return {
      object: { apiVersion: "v1", kind: "Namespace", metadata: { name: n.name, labels } },
      sources: [n.span],
    };
  });
}
