import type { Clock } from '../../module/host-context.ts';

/** A clock that moves only when a test says so. */
export class FakeClock implements Clock {
  private current: number;
  constructor(start: Date | string = '2026-03-02T10:00:00Z') {
    this.current = new Date(start).getTime();
  }
  now(): Date {
    return new Date(this.current);
  }
  set(date: Date | string): void {
    this.current = new Date(date).getTime();
  }
  advance(ms: number): void {
    this.current += ms;
  }
  advanceDays(days: number): void {
    this.advance(days * 24 * 60 * 60 * 1000);
  }
}
