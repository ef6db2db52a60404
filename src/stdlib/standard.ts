import { stdlibModules } from "./modules.js";

/**
 * Whether a source is a standard-library module (`std/dns`), by its exact name: a program's own
 * file can be named `std/x.secpol` too (names are relative to the program's root), and is not one.
 */
export const isStandardModule = (path: string): boolean => Object.hasOwn(stdlibModules, path);
