import { stdlibModules } from "./modules.js";

/** What the standard library's module names start with: `import "std/dns"`. */
const PREFIX = "std/";

/** The standard module every program imports first, unasked. */
export const PRELUDE = `${PREFIX}prelude`;

/**
 * Whether a source is a standard-library module (`std/dns`), by its exact name: a program's own
 * file can be named `std/x.secpol` too (names are relative to the program's root), and is not one.
 */
export const isStandardModule = (path: string): boolean => Object.hasOwn(stdlibModules, path);

/** Whether an import string is in the standard library's namespace (`std/...`): it is resolved from the bundled modules, never from disk, whether such a module exists or not. */
export const isStandardSpec = (spec: string): boolean => spec.startsWith(PREFIX);

/** The standard modules an `import` may name: every one but the prelude. */
export const importableStandardModules = (): string[] => Object.keys(stdlibModules).filter((name) => name !== PRELUDE);

/** A standard module's name inside the library (`dns` for `std/dns`): its file there is that name with `.secpol`. */
export const standardModuleBase = (path: string): string => path.slice(PREFIX.length);
