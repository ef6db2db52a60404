import { parseCidr, type Cidr } from "../../src/semantics/ip.js";

/** A CIDR written in a test, parsed; a typo in the test throws rather than passing silently. */
export const cidr = (text: string): Cidr => {
  const parsed = parseCidr(text);
  if (!("cidr" in parsed)) throw new Error(`bad test CIDR ${text}`);
  return parsed.cidr;
};
