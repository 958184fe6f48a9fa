/** authenticator API command bytes (CTAP 2.1 section 6), named as the spec names them. */
export const Command = {
  authenticatorMakeCredential: 0x01,
  authenticatorGetAssertion: 0x02,
  authenticatorGetInfo: 0x04,
  authenticatorClientPIN: 0x06,
  authenticatorReset: 0x07,
  authenticatorGetNextAssertion: 0x08,
  authenticatorCredentialManagement: 0x0a,
  authenticatorSelection: 0x0b,
  authenticatorLargeBlobs: 0x0c,
  authenticatorConfig: 0x0d,
} as const;

export type CommandName = keyof typeof Command;

const namesByByte = new Map<number, CommandName>((Object.entries(Command) as [CommandName, number][]).map(([n, b]) => [b, n]));

export function commandName(byte: number): string {
  return namesByByte.get(byte) ?? `command 0x${byte.toString(16).padStart(2, "0")}`;
}
