import type { TFunction } from 'i18next';

/**
 * A cron schedule as a sentence ("daily at 05:00"), for the forms admins use: daily, on
 * weekdays, weekly, hourly, every N minutes. Anything else is shown as the expression itself.
 */
export function describeSchedule(expression: string, t: TFunction): string {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5) return expression;
  const [minute, hour, dayOfMonth, month, dayOfWeek] = fields as [string, string, string, string, string];
  const number = (value: string) => (/^\d{1,2}$/.test(value) ? Number(value) : null);
  const m = number(minute);
  const h = number(hour);
  const time = m !== null && h !== null && h < 24 && m < 60 ? `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}` : null;
  if (dayOfMonth === '*' && month === '*') {
    if (time && dayOfWeek === '*') return t('sync:schedule_words.daily', { time });
    if (time && dayOfWeek === '1-5') return t('sync:schedule_words.weekdays', { time });
    const day = number(dayOfWeek);
    if (time && day !== null && day <= 7) return t('sync:schedule_words.weekly', { time, day: t(`sync:schedule_words.days.${day % 7}`) });
    if (m !== null && hour === '*' && dayOfWeek === '*') return t('sync:schedule_words.hourly', { minute: String(m).padStart(2, '0') });
    const every = /^\*\/(\d{1,2})$/.exec(minute);
    if (every && hour === '*' && dayOfWeek === '*') return t('sync:schedule_words.every_minutes', { count: Number(every[1]) });
  }
  return expression;
}
