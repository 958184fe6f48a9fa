/**
 * getCredBlob (CTAP 2.2 section 12.2, the client input at authentication):
 * asks for the credBlob stored with the credential; the output is the blob
 * (base64url in the JSON form, an ArrayBuffer in a page), empty when none was
 * stored, absent when the authenticator has no credBlob.
 */
import { toBase64Url } from "../../bytes/base64url.js";
import type { ClientExtension } from "./extension.js";
import { optionalBoolean } from "./inputs.js";

export const getCredBlobExtension: ClientExtension = {
  name: "getCredBlob",
  identifiers: ["getCredBlob"],
  get({ options }) {
    if (optionalBoolean(options.extensions.getCredBlob, "extensions.getCredBlob") !== true) return undefined;
    return {
      inputs: ({ info }) => (info.extensions.includes("credBlob") ? { credBlob: true } : {}),
      outputs({ authData }) {
        const blob = authData.extensions?.get("credBlob");
        return blob instanceof Uint8Array ? { getCredBlob: toBase64Url(blob) } : {};
      },
    };
  },
};
