/**
 * Credential Properties extension, credProps (WebAuthn L3 section 10.1.3):
 * client-only, it tells the RP whether the new credential is discoverable.
 * The client knows because it chose the rk option itself and the
 * authenticator either honoured it or failed the request.
 */
import { WebAuthnError } from "../errors.js";
import type { ClientExtension } from "./extension.js";

export const credPropsExtension: ClientExtension = {
  name: "credProps",
  identifiers: ["credProps"],
  // Only true asks for it; any other value is ignored rather than refused.
  create: ({ options }) => (options.extensions.credProps === true ? { outputs: ({ rk }) => ({ credProps: { rk } }) } : undefined),
  get({ options }) {
    // Chrome refuses it at get() rather than ignoring it.
    if (options.extensions.credProps === true) {
      throw new WebAuthnError("NotSupportedError", "The 'credProps' extension is only valid when creating a credential");
    }
    return undefined;
  },
};
