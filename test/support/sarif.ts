/** A validator of SARIF 2.1.0 logs against the official schema (test/fixtures/sarif/, see SOURCE.md there). */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import ajvDraft04 from "ajv-draft-04";
import ajvFormats from "ajv-formats";
import { testRoot } from "./baseline.js";

const schema = JSON.parse(readFileSync(join(testRoot, "fixtures", "sarif", "sarif-schema-2.1.0.json"), "utf8"));

/** A validator of SARIF 2.1.0 logs: the schema is draft-04, which Ajv reads through ajv-draft-04. */
export function sarifValidator(): (log: unknown) => string[] {
  // both are CommonJS modules whose class or function is their `default`
  const ajv = new ajvDraft04.default({ allErrors: true, strict: false });
  ajvFormats.default(ajv);
  const validate = ajv.compile(schema);
  return (log) =>
    validate(log)
      ? []
      : (validate.errors ?? []).map(
          (e: { instancePath: string; message?: string }) => `${e.instancePath} ${e.message}`,
        );
}
