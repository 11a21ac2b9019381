import type { RequestHandler } from 'express';
import helmet from 'helmet';

/**
 * Scripts and styles only from files this site serves: no inline <script>, <style>, style=""
 * or on…="" anywhere, so an injected fragment of markup can neither run nor restyle a page.
 * The favicon is a data: image. Forms post only here, and no other site may frame a page.
 */
const CONTENT_SECURITY_POLICY = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  frameAncestors: ["'none'"],
  formAction: ["'self'"],
  baseUri: ["'none'"],
  objectSrc: ["'none'"],
};

/**
 * Helmet's headers with our policy (Content-Security-Policy, nosniff, Referrer-Policy,
 * X-Frame-Options…). HSTS only on a request that arrived over TLS, directly or through a
 * trusted proxy (req.secure): browsers ignore it over plain HTTP, and the standalone host on
 * http://localhost has no TLS to insist on.
 */
export function securityHeaders(): RequestHandler[] {
  const hsts = helmet.strictTransportSecurity();
  return [
    helmet({
      contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_POLICY },
      referrerPolicy: { policy: 'same-origin' },
      xFrameOptions: { action: 'deny' },
      strictTransportSecurity: false,
    }),
    (req, res, next) => (req.secure ? hsts(req, res, next) : next()),
  ];
}
