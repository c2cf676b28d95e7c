// @ts-check
// The WebSocket close codes of the contract between server and browsers, by name. widget/protocol.py holds the
// same table (CloseCode) and tests/unit/test_contract.py keeps the two equal: use these names, never the numbers.
export const CLOSE = Object.freeze({
  NORMAL: 1000,
  RESTART: 1012, // RFC 6455 "service restart": reconnect at once
  TOKEN_MISSING: 4001,
  TOKEN_INVALID: 4002,
  TOKEN_EXPIRED: 4003,
  WRONG_SITE: 4004,
  CREDENTIAL: 4005, // the credential or console login is no longer valid: log in / authenticate again
  REGION: 4006, // the account's scope changed under it
  AUTH_TIMEOUT: 4008,
  HEARTBEAT: 4009,
  ROLE_REFUSED: 4010, // the site does not serve this role
  TOO_MANY: 4011, // too many sockets for one credential: retry later
});
