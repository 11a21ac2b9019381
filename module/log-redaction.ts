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
];
