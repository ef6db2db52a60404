/** The bundled examples: `examples/<name>/*.secpol`, put in by scripts/playground.js at build time. */
declare module "virtual:examples" {
  const examples: Record<string, { path: string; text: string }[]>;
  export default examples;
}
