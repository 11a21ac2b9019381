/** Paths that keep EPP codes and passwords out of every log line the module writes. */
export const LOG_REDACT_PATHS = [
  'eppCode',
  'authCode',
  'password',
  'authInfo',
  '*.eppCode',
  '*.authCode',
  '*.password',
  '*.pw',
  'req.body.eppCode',
  'body.eppCode',
  'req.body.authCode',
  'body.authCode',
  // API keys travel in this header; a token is also never a field of anything logged.
  'req.headers.authorization',
  'headers.authorization',
  'token',
  '*.token',
];
