/** authenticator API command bytes (CTAP 2.1 section 6), named as the spec names them. */
export const Command = {
  authenticatorMakeCredential: 0x01,
  authenticatorGetAssertion: 0x02,
  authenticatorGetInfo: 0x04,
  authenticatorClientPIN: 0x06,
  authenticatorReset: 0x07,
  authenticatorGetNextAssertion: 0x08,
  authenticatorBioEnrollment: 0x09,
  authenticatorCredentialManagement: 0x0a,
  authenticatorSelection: 0x0b,
  authenticatorLargeBlobs: 0x0c,
  authenticatorConfig: 0x0d,
  /**
   * The "FIDO_2_1_PRE" prototypes of bio enrollment and credential management (CTAP 2.1 sections
   * 6.7 and 6.8, "for backwards compatibility"), in the vendor range. libfido2 before 1.15 sends
   * credential management as 0x41; YubiKeys and OpenSK accept both bytes.
   */
  prototypeAuthenticatorBioEnrollment: 0x40,
  prototypeAuthenticatorCredentialManagement: 0x41,
} as const;

export type CommandName = keyof typeof Command;

/** The command a prototype byte stands for: the same handler, the same session rules. */
const PROTOTYPES = new Map<number, number>([
  [Command.prototypeAuthenticatorBioEnrollment, Command.authenticatorBioEnrollment],
  [Command.prototypeAuthenticatorCredentialManagement, Command.authenticatorCredentialManagement],
]);

/** The standard command byte for `byte`: itself, or the command its prototype byte is an alias of. */
export function standardCommand(byte: number): number {
  return PROTOTYPES.get(byte) ?? byte;
}

const namesByByte = new Map<number, CommandName>((Object.entries(Command) as [CommandName, number][]).map(([n, b]) => [b, n]));

export function commandName(byte: number): string {
  return namesByByte.get(byte) ?? `command 0x${byte.toString(16).padStart(2, "0")}`;
}
