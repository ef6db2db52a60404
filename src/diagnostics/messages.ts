/**
 * The catalogue: every message the compiler can produce, by area. Each area lives in its own file
 * under ./messages/; this file gathers them so that a test can check that codes are unique.
 */
export { syntax } from "./messages/syntax.js";
export { names } from "./messages/names.js";
export { compile } from "./messages/compile.js";
export { cli } from "./messages/cli.js";
export { security } from "./messages/security.js";
export { importing } from "./messages/import.js";
