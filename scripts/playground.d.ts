import type { Server } from "node:http";
export function readExamples(): Record<string, { path: string; text: string }[]>;
export function buildPlayground(out?: string): Promise<string>;
export function serve(dir: string, port?: number): Promise<Server>;
