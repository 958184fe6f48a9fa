/**
 * The direction of imports in src/, checked by `npm run lint` (docs/architecture.md draws it).
 * Each layer names what it may import; anything else in src/ is refused, and so is any cycle.
 */
const layer = (name, allowed, comment) => ({
  name: `${name}-imports`,
  comment,
  severity: "error",
  from: { path: `^src/${name}/` },
  to: { path: "^src/", pathNot: [`^src/${name}/`, ...allowed.map((a) => `^src/${a}`)] },
});

module.exports = {
  forbidden: [
    {
      name: "no-circular",
      comment: "No import cycle between files in src/, type-only imports included.",
      severity: "error",
      from: { path: "^src/" },
      to: { circular: true },
    },
    layer("bytes", [], "Byte helpers depend on nothing."),
    layer("ctap", ["bytes/"], "The CTAP wire vocabulary is shared by the core and every client: it depends on nothing of theirs."),
    layer("crypto", ["ctap/", "bytes/"], "Algorithms, keys and attestation formats sit on the wire vocabulary only."),
    layer("presence", ["bytes/"], "User presence and verification policies know nothing of CTAP."),
    layer("authenticator", ["ctap/", "crypto/", "presence/", "bytes/"], "The core imports neither the keystore, nor the client, nor any host."),
    layer("keystore", ["authenticator/store.ts", "authenticator/settings.ts", "bytes/"], "The keystore implements the core's storage interface and nothing else of the core."),
    layer("client", ["ctap/", "bytes/"], "The WebAuthn client talks to authenticators through CTAP bytes only: it never imports the core."),
    layer("controls", ["authenticator/", "client/", "keystore/", "presence/"], "The live controls switch parts of an assembled Softkey; they never import the facade or a host."),
    layer("ctaphid", ["ctap/", "bytes/"], "CTAPHID framing is pure: no sockets, no core."),
    layer("population", ["client/", "crypto/", "ctap/", "bytes/"], "A population is stateless: it builds on the wire vocabulary, the keys and the client's rules, never on the core with its store."),
    layer("artillery", ["population/", "client/", "bytes/"], "The Artillery processor drives a population and nothing else."),
    {
      name: "agent-client-alone",
      comment: "bin/softkey.js loads the fast-path client on every call, before the bundle: it imports nothing of src/ but its two siblings (packages: eslint.config.js).",
      severity: "error",
      from: { path: "^src/agent/(client|protocol|socketPath)\\.ts$" },
      to: { path: "^src/", pathNot: "^src/agent/(protocol|socketPath)\\.ts$" },
    },
    layer("agent", [], "The control socket's transport knows nothing of the CLI or the authenticator: the CLI gives it the handler to run."),
    {
      name: "browser-below-adapters",
      comment: "The page shim and the browser session are shared by every framework adapter: they import none of them.",
      severity: "error",
      from: { path: "^src/browser/" },
      to: { path: "^src/(playwright|puppeteer|webdriver)/" },
    },
    {
      name: "nothing-imports-cli",
      comment: "The CLI is the top: nothing in src/ imports it.",
      severity: "error",
      from: { path: "^src/", pathNot: "^src/cli/" },
      to: { path: "^src/cli/" },
    },
    {
      name: "only-cli-imports-serve",
      comment: "Hosts are started by the CLI (and the library entry); the layers below never import them.",
      severity: "error",
      from: { path: "^src/", pathNot: ["^src/cli/", "^src/serve/", "^src/index\\.ts$"] },
      to: { path: "^src/serve/" },
    },
    {
      name: "only-cli-imports-mcp",
      comment: "The MCP server is started by `softkey mcp`; nothing below the CLI depends on it.",
      severity: "error",
      from: { path: "^src/", pathNot: ["^src/cli/", "^src/mcp/"] },
      to: { path: "^src/mcp/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^(dist|node_modules|test|bench)/" },
    // Type-only imports count: a cycle through types is still a cycle in the design.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { extensions: [".ts", ".js"] },
  },
};
