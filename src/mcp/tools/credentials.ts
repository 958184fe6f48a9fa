/** Tools over the store's credentials: list them, choose one per RP for sign-in, delete one. */
import { z } from "zod";
import { isBase64Url } from "../../bytes/base64url.js";
import { defineTool, ToolInputError } from "../tool.js";
import type { McpSession } from "../session.js";

const credentialId = z.string().min(1).describe("a credential ID, base64url as list_credentials shows it");

export const listCredentials = defineTool({
  name: "list_credentials",
  title: "List passkeys",
  description:
    "The credentials (passkeys) in softkey's store, never a private key: credentialId, rpId, user name, algorithm, discoverable, " +
    "signature counter, backup flags, and `chosen` for the one select_credential picked for its RP.",
  inputSchema: { rpId: z.string().min(1).optional().describe("only this relying party's credentials, e.g. example.com") },
  annotations: { readOnlyHint: true, openWorldHint: false },
  async run(session, { rpId }) {
    const { credentials, corrupted } = await session.softkey.listCredentials(rpId === undefined ? {} : { rpId });
    const choices = session.choices();
    return {
      credentials: credentials.map((c) => ({ ...c, chosen: choices[c.rpId] === c.credentialId })),
      corrupted,
    };
  },
});

export const selectCredential = defineTool({
  name: "select_credential",
  title: "Choose the passkey to sign in with",
  description:
    "Choose which passkey answers when a site asks for any passkey of its RP (discoverable credentials, empty allowCredentials) " +
    "and several fit: the account a user would pick in the browser's chooser. Without a choice the first is used. " +
    "Give credentialId to choose it (for its own RP); give rpId alone to clear that RP's choice.",
  inputSchema: {
    credentialId: credentialId.optional(),
    rpId: z.string().min(1).optional().describe("with credentialId alone: not needed; alone: the RP whose choice to clear"),
  },
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async run(session, { credentialId: id, rpId }) {
    if (id === undefined) {
      if (rpId === undefined) throw new ToolInputError("give credentialId to choose a passkey, or rpId to clear that RP's choice");
      return { rpId, credentialId: null, cleared: session.forget(rpId) };
    }
    const found = await findCredential(session, id);
    if (rpId !== undefined && rpId !== found.rpId) throw new ToolInputError(`credential ${id} belongs to ${found.rpId}, not ${rpId}`);
    session.choose(found.rpId, found.credentialId);
    return { rpId: found.rpId, credentialId: found.credentialId, userName: found.userName ?? null, discoverable: found.discoverable };
  },
});

export const deleteCredential = defineTool({
  name: "delete_credential",
  title: "Delete a passkey",
  description: "Delete one credential from softkey's store; the site's next sign-in with it fails with NotAllowedError. Final.",
  inputSchema: { credentialId },
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  async run(session, { credentialId: id }) {
    checkId(id);
    const { credentials } = await session.softkey.listCredentials();
    const summary = credentials.find((c) => c.credentialId === id);
    if (!(await session.softkey.deleteCredential(id))) throw new ToolInputError(`no credential ${id} in the store`);
    if (summary && session.choices()[summary.rpId] === id) session.forget(summary.rpId);
    return { deleted: id, rpId: summary?.rpId ?? null };
  },
});

function checkId(id: string): void {
  if (!isBase64Url(id)) throw new ToolInputError(`"${id}" is not a credential ID (expected base64url, as list_credentials shows)`);
}

async function findCredential(session: McpSession, id: string) {
  checkId(id);
  const { credentials } = await session.softkey.listCredentials();
  const found = credentials.find((c) => c.credentialId === id);
  if (!found) throw new ToolInputError(`no credential ${id} in the store`);
  return found;
}
