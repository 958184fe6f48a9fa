/**
 * The keystore's own parameters. The records it holds are the core's
 * (CredentialRecord in authenticator/store.ts): the keystore stores them sealed.
 */

/** scrypt parameters, recorded in the store's metadata so that a store opens with the cost it was made with. */
export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}
