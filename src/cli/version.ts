/** softkey's version, from package.json (for --version and what the MCP server reports). */
import { readFileSync } from "node:fs";

export function packageVersion(): string {
  try {
    // src/cli/, dist/cli/ and the bundle in dist/bundle/ all sit two levels below the package root.
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version?: string };
    return pkg.version ?? "0.0.0";
  } catch {
    return "0.0.0";
  }
}
