/**
 * credBlob at registration (CTAP 2.2 section 12.2): a few bytes the
 * authenticator keeps with the new credential and signs into later
 * assertions (getCredBlob reads them). As Chrome does, the blob is sent only
 * to an authenticator that reports a maxCredBlobLength it fits in; the
 * output says whether the authenticator stored it.
 */
import type { ClientExtension } from "./extension.js";
import { bufferSource } from "./inputs.js";

export const credBlobExtension: ClientExtension = {
  name: "credBlob",
  identifiers: ["credBlob"],
  create({ options }) {
    if (options.extensions.credBlob === undefined) return undefined;
    const blob = bufferSource(options.extensions.credBlob, "extensions.credBlob");
    let send = false;
    return {
      plan({ info }) {
        const max = info.maxCredBlobLength;
        send = info.extensions.includes("credBlob") && max !== undefined && blob.length <= max;
        return undefined;
      },
      inputs: () => (send ? { credBlob: blob } : {}),
      outputs: ({ authData }) => ({ credBlob: authData.extensions?.get("credBlob") === true }),
    };
  },
};
