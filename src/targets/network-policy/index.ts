import { compile as messages } from "../../diagnostics/messages/compile.js";
import type { Target } from "../target.js";
import { compileNetworkPolicies } from "./compile.js";
import { verifyNetworkPolicies } from "./verify.js";

/** NetworkPolicies for both ends of every flow, verified over every region of the program's universe. */
export const networkPolicy: Target = {
  name: "network-policy",
  pass: "compile",
  compile: compileNetworkPolicies,
  verification: {
    pass: "verify",
    verify: (model, _compiled, written) => verifyNetworkPolicies(model, written),
    failed: messages.translationValidationFailed,
  },
};
