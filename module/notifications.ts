import crypto from 'node:crypto';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { BillingPort, Notification, Notifier, NotificationRecipient } from './host-context.ts';
import type { Languages, Locale } from './i18n.ts';
import type { JobQueue, JobSpec } from './jobs/job-queue.ts';
import type { ClaimedJob, JobHandler } from './jobs/job-types.ts';
import { Batcher } from './jobs/batcher.ts';

export const SEND_NOTIFICATIONS_JOB = 'SendNotificationsJob';

/** A message waiting in the jobs table: rendered in the recipient's language when delivered. */
export interface QueuedNotification {
  to: NotificationRecipient;
  template: string;
  /** The facts behind the text, never secrets. */
  params: Record<string, string | number>;
  /** The client's language when the sender knows it; otherwise it is looked up at delivery. */
  locale?: string;
}

/**
 * Messages in the recipient's language, through the host's notifier, in two ways:
 * - `enqueue` records them in the caller's transaction, so an outcome and the messages about
 *   it commit together; a SendNotificationsJob delivers them, retried like any job until the
 *   host's notifier takes them (at least once);
 * - `send` delivers at once; a notifier that fails must not undo the work that caused the
 *   message, so its failures are logged, not thrown.
 */
export class ModuleNotifications {
  constructor(
    private readonly deps: {
      notifier: Notifier;
      billing: BillingPort;
      queue: JobQueue;
      languages: Languages;
      logger: Logger;
      defaultLocale: Locale;
      /** Public addresses of the module's client and admin pages, for links in messages. */
      links: { clientUrl: string; adminUrl: string };
    },
  ) {}

  /** `locale`, when the caller already knows the client's, saves a lookup. */
  async send(to: NotificationRecipient, template: string, params: Record<string, string | number>, known: { locale?: string } = {}): Promise<void> {
    try {
      await this.deps.notifier.notify(await this.render({ to, template, params, locale: known.locale }, 'locale' in known));
    } catch (error) {
      this.deps.logger.error({ err: error, template }, 'notification could not be sent');
    }
  }

  /**
   * One SendNotificationsJob for all of `messages`, inserted in `trx`. `about` are the jobs the
   * messages report on: the delivery takes the place in the queue of the earliest of them, so
   * under a backlog a client hears about a submission when it happens, not once every job
   * queued after it has run.
   */
  async enqueue(trx: Knex.Transaction, messages: QueuedNotification[], about: ClaimedJob[] = []): Promise<void> {
    await this.deps.queue.enqueueAll(trx, [this.jobFor(messages, about)]);
  }

  /** The SendNotificationsJob for `messages`, for a writer that queues it with other jobs. */
  jobFor(messages: QueuedNotification[], about: readonly ClaimedJob[] = []): JobSpec | undefined {
    if (!messages.length) return undefined;
    const runAt = about.length ? new Date(Math.min(...about.map((job) => job.runAt))) : undefined;
    return { type: SEND_NOTIFICATIONS_JOB, key: `notify:${crypto.randomUUID()}`, payload: { messages }, runAt };
  }

  /** Delivers a SendNotificationsJob. Throwing retries the job. */
  readonly deliveryJob: JobHandler = {
    run: async (payload, context) => {
      // Its work is a hand-over to the host, not a registrar call: it needs no slot.
      context.releaseSlot();
      const notifications = await Promise.all((payload.messages as QueuedNotification[]).map((m) => this.render(m, m.locale !== undefined)));
      await this.deliveries.submit(notifications);
    },
  };

  // Delivery jobs running together hand the host one batch when it takes batches; one batch at
  // a time, so those arriving meanwhile join the next instead of each making its own.
  private readonly deliveries = new Batcher<Notification[], void>(
    async (lists) => {
      const { notifier } = this.deps;
      if (notifier.notifyMany) await notifier.notifyMany(lists.flat());
      else for (const notification of lists.flat()) await notifier.notify(notification);
      return lists.map(() => undefined);
    },
    { maxBatch: 50, maxInFlight: 1 },
  );

  private async render(message: QueuedNotification, localeKnown: boolean): Promise<Notification> {
    const { languages } = this.deps;
    let locale: Locale = languages.match(message.locale) ?? this.deps.defaultLocale;
    if (message.to.kind === 'client' && !localeKnown) {
      const client = await this.deps.billing.getClient(message.to.clientId);
      locale = languages.match(client?.locale) ?? locale;
    }
    const values = { ...message.params, ...this.deps.links };
    return {
      to: message.to,
      template: message.template,
      subject: this.translate(locale, `${message.template}.subject`, values),
      text: this.translate(locale, `${message.template}.text`, values),
      params: message.params,
    };
  }

  /**
   * A notification string in `locale` (falling back to English). Plain `{{value}}` strings are
   * filled by i18next's interpolator directly, several times faster than a full t() lookup,
   * which matters when a batch of jobs sends thousands; anything else goes through t().
   */
  private translate(locale: Locale, key: string, values: Record<string, unknown>): string {
    const { i18n } = this.deps.languages;
    const raw = i18n.getResource(locale, 'notifications', key) ?? i18n.getResource('en', 'notifications', key);
    if (typeof raw === 'string' && !raw.includes('$t(')) return i18n.services.interpolator.interpolate(raw, values, locale, {});
    return i18n.getFixedT(locale)(`notifications:${key}`, values);
  }
}
