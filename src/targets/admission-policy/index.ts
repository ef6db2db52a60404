import { diagnostic } from "../../diagnostics/catalogue.js";
import { compile as messages } from "../../diagnostics/messages/compile.js";
import type { Target } from "../target.js";
import { compileAdmissionPolicies, type AdmissionPolicies } from "./compile.js";
import { verifyAdmissionPolicies } from "./verify.js";

/** A ValidatingAdmissionPolicy and its binding per namespace with pod-security rules, its CEL run on representative pods. */
export const admissionPolicy: Target<AdmissionPolicies> = {
  name: "admission-policy",
  pass: "admission",
  compile: (model, options) => compileAdmissionPolicies(model, options.admissionPolicies !== false),
  verification: {
    pass: "verify-admission",
    verify: (model, compiled) => {
      const { unverified, ...verified } = verifyAdmissionPolicies(model, compiled);
      if (!unverified) return verified;
      // one warning, at the first policy's first statement
      const span = compiled.policies[0].validations[0].entry.span;
      return { ...verified, warnings: [diagnostic(messages.admissionUnverified, span, [unverified])] };
    },
    failed: messages.admissionValidationFailed,
  },
};
