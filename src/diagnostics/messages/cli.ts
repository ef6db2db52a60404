import { entry } from "../catalogue.js";

export const cli = {
} as const;
