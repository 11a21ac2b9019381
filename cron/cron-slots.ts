import { CronExpressionParser } from 'cron-parser';

/**
 * When a task is due. Slots are computed from the injected clock, never from the timer that
 * woke us, so a fake clock drives the schedule in tests and a late timer still finds its slot.
 */
export interface SlotRule {
  /** The most recent slot at or before `now`, or null if there is none. */
  latest(now: Date): Date | null;
  /** The first slot strictly after `now`. */
  next(now: Date): Date | null;
  describe(): string;
}

/** A cron expression read in an IANA time zone (`0 5 * * *` in Asia/Shanghai is 21:00 UTC). */
export function cronSlots(expression: string, timezone: string): SlotRule {
  // Parsing once validates the expression and the zone at boot rather than at 05:00.
  CronExpressionParser.parse(expression, { tz: timezone });
  return {
    latest(now) {
      // prev() is strictly before currentDate; one millisecond later makes "at now" count.
      const parsed = CronExpressionParser.parse(expression, { currentDate: new Date(now.getTime() + 1), tz: timezone });
      return parsed.hasPrev() ? parsed.prev().toDate() : null;
    },
    next(now) {
      const parsed = CronExpressionParser.parse(expression, { currentDate: now, tz: timezone });
      return parsed.hasNext() ? parsed.next().toDate() : null;
    },
    describe: () => `${expression} (${timezone})`,
  };
}

/** Every `minutes` minutes, aligned to the epoch so all instances agree on the slot. */
export function intervalSlots(minutes: number): SlotRule {
  const period = minutes * 60_000;
  return {
    latest: (now) => new Date(Math.floor(now.getTime() / period) * period),
    next: (now) => new Date((Math.floor(now.getTime() / period) + 1) * period),
    describe: () => `every ${minutes} min`,
  };
}
