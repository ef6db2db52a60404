/**
 * The targets, in the order their objects are written and counted (`secpolc build` output and
 * `--stats`). Adding a target is a folder beside these with an `index.ts` exporting its `Target`,
 * and one line here.
 */
import type { Target } from "./target.js";
import { namespace } from "./namespace/index.js";
import { networkPolicy } from "./network-policy/index.js";
import { securityContext } from "./security-context/index.js";
import { pspRbac } from "./psp-rbac/index.js";
import { admissionPolicy } from "./admission-policy/index.js";

export type { Compiled, Target, Verified } from "./target.js";

export const targets: readonly Target[] = [namespace, networkPolicy, securityContext, pspRbac, admissionPolicy];
