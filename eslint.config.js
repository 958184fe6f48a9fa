import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "keystore/", "coverage/"] },
  { files: ["**/*.cjs"], languageOptions: { sourceType: "commonjs", globals: { module: "writable", require: "readonly" } } },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: "readonly", console: "readonly", Buffer: "readonly", setTimeout: "readonly", clearTimeout: "readonly", setInterval: "readonly", clearInterval: "readonly", performance: "readonly", URL: "readonly", TextEncoder: "readonly", TextDecoder: "readonly", AbortController: "readonly", AbortSignal: "readonly", structuredClone: "readonly", queueMicrotask: "readonly", setImmediate: "readonly" } },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    // Small modules: no file in src/ over 450 lines (docs/architecture.md). Import direction is dependency-cruiser's job.
    files: ["src/**/*.ts"],
    rules: { "max-lines": ["error", { max: 450, skipBlankLines: false, skipComments: false }] },
  },
  {
    // bin/softkey.js loads the agent's fast-path client on every call, before the bundle: Node's built-ins only
    // (packages are outside what dependency-cruiser sees here, so this rule says it).
    files: ["src/agent/client.ts", "src/agent/protocol.ts", "src/agent/socketPath.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: [{ regex: "^(?!node:|\\./(protocol|socketPath)\\.js$)", message: "the fast-path client uses Node's built-ins (node:...) and its two siblings only" }] },
      ],
    },
  },
);
