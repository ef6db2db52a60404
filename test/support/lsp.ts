/**
 * The language server as a real process (`secpolc lsp` over stdio, in `cwd`), spoken to with
 * JSON-RPC: requests, opening and changing documents, and waiting for published diagnostics.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from "vscode-jsonrpc/node";
import { repoRoot } from "./baseline.js";

export interface Position {
  line: number;
  character: number;
}

/** `args`: node's arguments that start the server (by default `bin/secpolc.js lsp`). */
export function languageServer(cwd: string, args: readonly string[] = [join(repoRoot, "bin", "secpolc.js"), "lsp"]) {
  const server = spawn(process.execPath, args, {
    cwd,
    stdio: ["pipe", "pipe", "inherit"],
  });
  const rpc = createMessageConnection(new StreamMessageReader(server.stdout!), new StreamMessageWriter(server.stdin!));
  const published = new Map<string, any[]>();
  const publishes = new Map<string, number>();
  const waiters: (() => void)[] = [];
  rpc.onNotification("textDocument/publishDiagnostics", (params: { uri: string; diagnostics: any[] }) => {
    published.set(params.uri, params.diagnostics);
    publishes.set(params.uri, (publishes.get(params.uri) ?? 0) + 1);
    waiters.splice(0).forEach((w) => w());
  });
  rpc.listen();
  let version = 1;
  const at = (uri: string, position: Position) => ({ textDocument: { uri }, position });
  return {
    server,
    rpc,
    publishes,
    published,
    async initialize(): Promise<any> {
      const result = await rpc.sendRequest("initialize", {
        processId: process.pid,
        rootUri: pathToFileURL(cwd).href,
        capabilities: {},
      });
      await rpc.sendNotification("initialized", {});
      return result;
    },
    open: (uri: string, text: string) =>
      rpc.sendNotification("textDocument/didOpen", {
        textDocument: { uri, languageId: "secpol", version: version++, text },
      }),
    change: (uri: string, text: string) =>
      rpc.sendNotification("textDocument/didChange", {
        textDocument: { uri, version: version++ },
        contentChanges: [{ text }],
      }),
    close: (uri: string) => rpc.sendNotification("textDocument/didClose", { textDocument: { uri } }),
    definition: (uri: string, position: Position): Promise<any[]> =>
      rpc.sendRequest("textDocument/definition", at(uri, position)),
    completion: (uri: string, position: Position): Promise<any[]> =>
      rpc.sendRequest("textDocument/completion", at(uri, position)),
    /** Resolves once diagnostics for `uri` satisfy `ok` (each publish re-checks), or fails after 10 s. */
    diagnosticsFor(uri: string, ok: (d: any[]) => boolean): Promise<any[]> {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no matching diagnostics for ${uri}: ${JSON.stringify(published.get(uri))}`)),
          10_000,
        );
        const check = () => {
          const d = published.get(uri);
          if (d && ok(d)) {
            clearTimeout(timer);
            resolve(d);
          } else waiters.push(check);
        };
        check();
      });
    },
    /** Shuts the server down; its exit code. */
    async shutdown(): Promise<number | null> {
      await rpc.sendRequest("shutdown");
      const exited = new Promise<number | null>((resolve) => server.on("exit", (code) => resolve(code)));
      await rpc.sendNotification("exit");
      const code = await exited;
      rpc.dispose();
      return code;
    },
  };
}

/** The position (0-based line and character) of a text's offset. */
export function positionAt(text: string, offset: number): Position {
  const before = text.slice(0, offset);
  const line = before.split("\n").length - 1;
  return { line, character: offset - (before.lastIndexOf("\n") + 1) };
}
