/**
 * Kubernetes value syntax, as the API server validates it. Each check returns a problem description
 * (for a diagnostic) or undefined when the value is valid.
 */
import { YAML_UNSAFE } from "../kubernetes.js";

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_NAME = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)$/;
const IANA_SVC_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
/** (a literal in a function is a new RegExp object at every call) */
const A_LETTER = /[a-z]/;
/** A port number as written: digits only. */
export const DIGITS = /^\d+$/;

export function dns1123Label(value: string): string | undefined {
  if (value.length > 63) return "must be at most 63 characters";
  if (!DNS1123_LABEL.test(value))
    return "must consist of lower-case letters, digits and `-`, and start and end with a letter or digit";
  return undefined;
}

export function dns1123Subdomain(value: string): string | undefined {
  if (value.length > 253) return "must be at most 253 characters";
  if (!DNS1123_SUBDOMAIN.test(value))
    return "must consist of lower-case letters, digits, `-` and `.`, and start and end with a letter or digit";
  return undefined;
}

/** A label key: `[prefix/]name`, the prefix a DNS subdomain, the name at most 63 characters. */
export function labelKey(key: string): string | undefined {
  const slash = key.indexOf("/");
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined) {
    const problem = dns1123Subdomain(prefix);
    if (problem) return `its prefix \`${prefix}\` ${problem}`;
  }
  if (name.length === 0 || name.length > 63) return "its name must be 1 to 63 characters";
  if (!LABEL_NAME.test(name))
    return "its name must consist of letters, digits, `-`, `_` and `.`, and start and end with a letter or digit";
  return undefined;
}

export function labelValue(value: string): string | undefined {
  if (value.length > 63) return "must be at most 63 characters";
  if (value !== "" && !LABEL_NAME.test(value))
    return "must be empty or consist of letters, digits, `-`, `_` and `.`, and start and end with a letter or digit";
  return undefined;
}

/** A container port name (IANA_SVC_NAME): at most 15 characters, at least one letter, no `--`. */
export function portName(value: string): string | undefined {
  if (value.length > 15) return "must be at most 15 characters";
  if (!IANA_SVC_NAME.test(value))
    return "must consist of lower-case letters, digits and `-`, and start and end with a letter or digit";
  if (!A_LETTER.test(value)) return "must contain at least one letter";
  if (value.includes("--")) return "must not contain `--`";
  return undefined;
}

/** Identifier-like names of groups and profiles: DNS-1123 label characters plus `_`. */
export function groupName(value: string): string | undefined {
  if (!/^[a-z0-9]([-a-z0-9_]*[a-z0-9])?$/.test(value))
    return "must consist of lower-case letters, digits, `-` and `_`, and start and end with a letter or digit";
  return undefined;
}

/**
 * Free-form strings that reach the output (RBAC subjects, PSP paths and profile names, SELinux
 * options): the YAML writer quotes whatever it must, but a control character, a line separator, a
 * non-character or a comma in a comma-joined annotation would change what a reader sees, so they
 * are refused here (`YAML_UNSAFE`, the set file names are refused for too).
 *
 * `shown`: a free-form value as a message shows it, those characters escaped, on one line.
 */
export const shown = (value: string): string =>
  value.replace(
    new RegExp(YAML_UNSAFE.source, "gu"),
    (c) => ({ "\n": "\\n", "\r": "\\r", "\t": "\\t" })[c] ?? `\\u{${c.codePointAt(0)!.toString(16)}}`,
  );

/** A user or group name of an RBAC subject: any printable text without surrounding spaces. */
export function subjectName(value: string): string | undefined {
  if (value.length === 0 || value.length > 253) return "must be 1 to 253 characters";
  if (YAML_UNSAFE.test(value)) return "must not contain control characters, line breaks or tabs";
  if (value.trim() !== value) return "must not start or end with a space";
  return undefined;
}

/** A PodSecurityPolicy `allowedHostPaths` prefix: an absolute path without `..`. */
export function hostPathPrefix(value: string): string | undefined {
  if (!value.startsWith("/")) return "must be an absolute path (start with `/`)";
  if (YAML_UNSAFE.test(value)) return "must not contain control characters, line breaks or tabs";
  if (value.split("/").includes("..")) return "must not contain `..`";
  return undefined;
}

const SYSCTL_SEGMENT = "[a-z0-9]([-_a-z0-9]*[a-z0-9])?";
const SYSCTL_PATTERN = new RegExp(`^(\\*|(${SYSCTL_SEGMENT}[./])*(${SYSCTL_SEGMENT}\\*?|\\*))$`);

/** A sysctl name or pattern (`kernel.shm_rmid_forced`, `net.*`, `*`), as PodSecurityPolicy takes them. */
export function sysctlName(value: string): string | undefined {
  if (value.length > 253) return "must be at most 253 characters";
  if (!SYSCTL_PATTERN.test(value))
    return "must be dot-separated lower-case words (`kernel.shm_rmid_forced`), optionally ending in `*`";
  return undefined;
}

/** A seccomp or AppArmor profile name in a PodSecurityPolicy annotation (`runtime/default`, `localhost/*`). */
export function profileName(value: string): string | undefined {
  if (!/^[A-Za-z0-9._/*-]+$/.test(value)) return "must consist of letters, digits, `.`, `_`, `-`, `/` and `*`";
  return undefined;
}

/** A relative profile path (seccomp `Localhost PATH`, AppArmor `localhost/NAME`). */
export function localProfile(value: string): string | undefined {
  if (!/^[A-Za-z0-9._/-]+$/.test(value)) return "must consist of letters, digits, `.`, `_`, `-` and `/`";
  if (value.startsWith("/") || value.split("/").includes("..")) return "must be a relative path without `..`";
  return undefined;
}

/** An SELinux user, role, type or level (`system_u`, `spc_t`, `s0:c123,c456`). */
export function seLinuxOption(value: string): string | undefined {
  if (!/^[A-Za-z0-9_.:,-]+$/.test(value)) return "must consist of letters, digits, `_`, `.`, `:`, `,` and `-`";
  return undefined;
}

/** The largest user or group ID the API server accepts (its validation's `IsValidUserID`/`IsValidGroupID`). */
export const MAX_ID = 2147483647;
