import { Router, type Request, type Response } from 'express';
import { NotFoundError, type PageKit } from '../../module/index.ts';
import type { HostBilling } from '../billing/billing.port.ts';
import { renderPage, setFlash } from '../http/host-page.ts';
import { contactOf, type AccountRepository, type ContactInput } from './account.repository.ts';
import { contactFromForm, validateContact, type ContactErrors } from './contact.validation.ts';

const PROFILE_LOCALES = ['', 'en', 'zh-CN'];

/** The client's dashboard and contact details (mounted at /client behind requireClient). */
export function createClientAccountRouter(deps: { pages: PageKit; accounts: AccountRepository; billing: HostBilling }): Router {
  const { pages, accounts, billing } = deps;
  const router = Router();
  const clientIdOf = (req: Request) => Number(req.session.user?.clientId);

  router.get('/', async (req, res) => {
    const invoices = await billing.invoicesOf(clientIdOf(req));
    const unpaid = invoices.filter((invoice) => invoice.status === 'unpaid');
    renderPage(pages, req, res, 'host/client/dashboard', { titleKey: 'host:client.dashboard.title', unpaid, unpaidCount: unpaid.length });
  });

  router.get('/profile', async (req, res) => {
    const row = await accounts.getClientRow(clientIdOf(req));
    if (!row) throw new NotFoundError();
    renderProfile(req, res, contactOf(row), {}, req.session.user?.locale ?? '', 200);
  });

  router.post('/profile', pages.formBody, pages.verifyCsrf, async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const contact = contactFromForm(body);
    const locale = typeof body.locale === 'string' && PROFILE_LOCALES.includes(body.locale) ? body.locale : '';
    const errors = validateContact(contact);
    if (Object.keys(errors).length) return renderProfile(req, res, contact, errors, locale, 422);
    const user = req.session.user!;
    await accounts.updateContact(clientIdOf(req), contact);
    await accounts.setLocale(user.userId, locale || null);
    req.session.user = { ...user, name: contact.name, locale: locale || undefined };
    setFlash(req, { kind: 'ok', key: 'host:profile.saved' });
    res.redirect(303, '/client/profile');
  });

  function renderProfile(req: Request, res: Response, contact: ContactInput, errors: ContactErrors, locale: string, status: number) {
    const t = pages.t(req);
    const messages = Object.fromEntries(Object.entries(errors).map(([field, key]) => [field, t(`host:${key}`)]));
    renderPage(
      pages,
      req,
      res,
      'host/client/profile',
      {
        titleKey: 'host:profile.title',
        contact,
        errors: messages,
        hasErrors: Object.keys(errors).length > 0,
        locales: PROFILE_LOCALES.map((value) => ({ value, selected: value === locale, labelKey: `host:profile.locale_${value || 'auto'}` })),
      },
      status,
    );
  }

  return router;
}
