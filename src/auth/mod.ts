/**
 * Authentication and authorization: who a CONNECT is (authenticator.ts, users.ts, nkeys.ts,
 * passwords.ts) and what it may publish, subscribe to and receive (permissions.ts,
 * responses.ts). Other folders import from here.
 */

export {
  type AuthCredentials,
  Authenticator,
  type AuthResult,
  type AuthSetup,
  type ConnectionType,
} from "./authenticator.ts";
export {
  decodePublicKey,
  decodeSeed,
  isValidPublicAccountKey,
  isValidPublicUserKey,
  newNonce,
  NONCE_BYTES,
  signNonce,
  verifyNonceSignature,
} from "./nkeys.ts";
export {
  constantTimeEqual,
  DEFAULT_BCRYPT_CACHE_SIZE,
  isBcrypt,
  PasswordVerifier,
} from "./passwords.ts";
export {
  DEFAULT_RESPONSE_PERMISSION,
  PERMISSION_CACHE_SIZE,
  Permissions,
  type PermissionsSpec,
  type ResponsePermission,
  type SubjectPermission,
} from "./permissions.ts";
export { REPLY_PERMIT_LIMIT, ReplyPermits } from "./responses.ts";
export { readPermissions } from "./conf_permissions.ts";
export {
  type AuthFileConfig,
  type ConfiguredUser,
  CONNECTION_TYPES,
  readAuthConfig,
} from "./users.ts";
