import type { i18n } from 'i18next';
import type { Logger } from 'pino';
import type { BillingPort, Notifier, NotificationRecipient } from './host-context.ts';
import { isLocale, type Locale } from './i18n.ts';

/**
 * Sends a message in the recipient's language through the host's notifier. A notifier that
 * fails must not undo the work that caused the message, so failures are logged, not thrown.
 */
export class ModuleNotifications {
  constructor(
    private readonly deps: { notifier: Notifier; billing: BillingPort; i18n: i18n; logger: Logger; defaultLocale: Locale; baseUrl: string },
  ) {}

  /** `locale`, when the caller already knows the client's, saves a lookup. */
  async send(to: NotificationRecipient, template: string, params: Record<string, string | number>, known: { locale?: string } = {}): Promise<void> {
    try {
      let locale = isLocale(known.locale) ? known.locale : this.deps.defaultLocale;
      if (to.kind === 'client' && !('locale' in known)) {
        const client = await this.deps.billing.getClient(to.clientId);
        if (isLocale(client?.locale)) locale = client.locale;
      }
      const t = this.deps.i18n.getFixedT(locale);
      const values = { ...params, baseUrl: this.deps.baseUrl };
      await this.deps.notifier.notify({
        to,
        template,
        subject: t(`notifications:${template}.subject`, values),
        text: t(`notifications:${template}.text`, values),
        params,
      });
    } catch (error) {
      this.deps.logger.error({ err: error, template }, 'notification could not be sent');
    }
  }
}
