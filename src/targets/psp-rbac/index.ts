import type { Target } from "../target.js";
import { compilePspRbac } from "./compile.js";

/** PodSecurityPolicies and the RBAC that grants them (clusters before 1.25). */
export const pspRbac: Target = {
  name: "psp-rbac",
  pass: "psp",
  compile: compilePspRbac,
};
