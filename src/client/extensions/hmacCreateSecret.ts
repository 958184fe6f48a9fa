/**
 * hmacCreateSecret, the client input CTAP 2.1 section 12.5 defines for
 * making a credential with hmac-secret (Chrome's older name for what prf's
 * `enabled` now reports): the output says whether the authenticator made one.
 */
import type { ClientExtension } from "./extension.js";
import { hmacSecretProtocol } from "./hmacSecret.js";
import { optionalBoolean } from "./inputs.js";

export const hmacCreateSecretExtension: ClientExtension = {
  name: "hmacCreateSecret",
  identifiers: ["hmacCreateSecret"],
  create({ options }) {
    if (optionalBoolean(options.extensions.hmacCreateSecret, "extensions.hmacCreateSecret") !== true) return undefined;
    let supported = false;
    return {
      plan({ info }) {
        supported = hmacSecretProtocol(info) !== undefined;
        return { preferUv: supported };
      },
      inputs: () => (supported ? { "hmac-secret": true } : {}),
      outputs: ({ authData }) => ({ hmacCreateSecret: authData.extensions?.get("hmac-secret") === true }),
    };
  },
};
