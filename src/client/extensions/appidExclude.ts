/**
 * The FIDO AppID exclusion extension, appidExclude (WebAuthn L3 section
 * 10.1.2): an RP that registered U2F credentials under an AppID lists them in
 * excludeCredentials, and the client also looks for them under the AppID, so
 * a key that already holds one is refused (InvalidStateError, after a touch)
 * although its credential is bound to SHA-256(AppID), not to the RP ID. The
 * AppID is checked as the appid extension checks it; the output is true once
 * the client has acted on it.
 */
import type { ClientExtension } from "./extension.js";
import { parseAppIdInput } from "./appid.js";

export const appidExcludeExtension: ClientExtension = {
  name: "appidExclude",
  identifiers: ["appidExclude"],
  create({ options, caller }) {
    const appId = parseAppIdInput(options.extensions, caller, "appidExclude");
    if (appId === undefined) return undefined;
    return {
      async excluded({ excludeList, find }) {
        if (excludeList.length === 0) return false;
        return (await find(appId, excludeList)) !== undefined;
      },
      outputs: () => ({ appidExclude: true }),
    };
  },
};
