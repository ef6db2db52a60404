import { entry } from "../catalogue.js";

export const syntax = {
} as const;
