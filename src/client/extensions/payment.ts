/**
 * The payment extension (W3C Secure Payment Confirmation, section 5), as far
 * as a client without a payment UI goes: a
 * credential made with `payment: { isPayment: true }` is a payment
 * credential, which the key learns through CTAP 2.2's thirdPartyPayment
 * extension when it has it. The registration rules are
 * Chrome's (IsPaymentExtensionValid): a user-verifying platform
 * authenticator and a resident key. Assertions for payments go through the
 * Payment Request API, never navigator.credentials.get(), so get() refuses
 * the input as Chrome does.
 */
import { WebAuthnError } from "../errors.js";
import { PageMessage } from "../pageMessages.js";
import type { ClientExtension } from "./extension.js";
import { extensionObject, optionalBoolean } from "./inputs.js";

export const paymentExtension: ClientExtension = {
  name: "payment",
  identifiers: ["payment"],
  create({ options }) {
    if (options.extensions.payment === undefined) return undefined;
    const payment = extensionObject(options.extensions.payment, "extensions.payment");
    if (optionalBoolean(payment.isPayment, "extensions.payment.isPayment") !== true) return undefined;
    const refuse = (message: string) => new WebAuthnError("NotSupportedError", message);
    if (options.userVerification !== "required") throw refuse("User verification is required for 'payment' extension.");
    if (options.residentKey === "discouraged") throw refuse("A resident key must be 'preferred' or 'required' for 'payment' extension.");
    if (options.authenticatorAttachment !== "platform") throw refuse("A platform authenticator is required for 'payment' extension.");
    return { inputs: ({ info }) => (info.extensions.includes("thirdPartyPayment") ? { thirdPartyPayment: true } : {}) };
  },
  get({ options }) {
    if (options.extensions.payment === undefined) return undefined;
    throw new WebAuthnError("NotAllowedError", "the payment extension is for create() only; payment assertions go through the Payment Request API", {
      pageMessage: PageMessage.paymentOnlyAtCreate,
    });
  },
};
