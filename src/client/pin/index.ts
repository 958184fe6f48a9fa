/** The platform side of ClientPIN: PIN management helpers and pinUvAuthTokens. */
export { setPin, changePin, getPinRetries, getUvRetries, getPinStatus } from "./managePin.js";
export type { PinCallOptions, PinRetries, PinStatus } from "./managePin.js";
export { pinProblem, MAX_PIN_BYTES } from "./pinRules.js";
export { PIN_NEEDED_MESSAGE } from "./pinErrors.js";
