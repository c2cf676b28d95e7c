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

// The error codes (the `code` of an error frame or an HTTP error body) that the browsers branch on; the
// texts come with the error. Every one is a code of widget/protocol.py's ERRORS (tests/unit/test_contract.py).
export const ERROR = Object.freeze({
  ALREADY_RATED: "already_rated",
  CENTRE_CLOSED: "centre_closed",
  CREDENTIAL_EXPIRED: "credential_expired", // resume: the credential is gone, authenticate afresh
  CREDENTIAL_MISMATCH: "credential_mismatch", // resume: another person is signed in on the page
  ILLEGAL_TRANSITION: "illegal_transition",
  ROLE_NOT_ALLOWED: "role_not_allowed",
  WRONG_SITE: "wrong_site",
});

// The codes the browsers give errors of their own making (a request that never got its answer); none is a
// server code.
export const LOCAL_ERROR = Object.freeze({
  NETWORK: "network", // an upload's fetch failed
  OFFLINE: "offline", // the socket closed with the request pending
  TIMEOUT: "timeout", // no answer in time
});

// The conversation states nothing follows (widget/states.py FINAL; tests/unit/test_contract.py keeps them equal).
export const FINAL_STATES = Object.freeze(["ended", "cancelled", "expired"]);
