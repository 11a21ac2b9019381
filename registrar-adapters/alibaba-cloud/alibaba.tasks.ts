import type { Logger } from 'pino';
import { RegistrarError } from '../registrar-error.ts';
import type { AlibabaDomainApi, ApiParams } from './alibaba.client.ts';

/** One row of QueryTaskDetailList. */
export interface TaskDetail {
  TaskNo?: string;
  DomainName?: string;
  TaskStatus?: string;
  TaskStatusCode?: number;
  TaskResult?: string;
  ErrorMsg?: string;
}

/** Task states that will not change any more. */
const SUCCEEDED = 'EXECUTE_SUCCESS';
const FAILED = 'EXECUTE_FAILURE';

/** Words in a failed task's message, and what the failure is for the caller. */
const FAILURES: ReadonlyArray<[RegExp, RegistrarError['code']]> = [
  [/premium/i, 'premium_price'],
  [/authori[sz]ation code|transfer (?:key|code)|password/i, 'auth_code_invalid'],
  [/prohibit/i, 'transfer_prohibited'],
];

/**
 * `Save*Task*` calls answer with a task number at once and do the work later. A task is asked
 * about (QueryTaskDetailList) with growing pauses until it has succeeded or failed; one that has
 * not finished in time is reported as transient, and the caller's retry confirms by query
 * before it would submit again, so a slow task is never doubled.
 */
export class AlibabaTasks {
  constructor(
    private readonly api: AlibabaDomainApi,
    private readonly timing: { pollIntervalMs: number; timeoutMs: number },
    private readonly logger: Logger,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    private readonly now: () => number = Date.now,
  ) {}

  /** Submits `action` for `domain` and waits for its result; a failed task throws with its own words. */
  async run(action: string, domain: string, params: ApiParams): Promise<TaskDetail> {
    const submitted = await this.api.call(action, { DomainName: domain, ...params });
    const taskNo = typeof submitted.TaskNo === 'string' ? submitted.TaskNo : undefined;
    if (!taskNo) throw new RegistrarError('transient', `${action}: the Domain API gave no task number`);
    const deadline = this.now() + this.timing.timeoutMs;
    let pause = this.timing.pollIntervalMs;
    for (;;) {
      const detail = await this.detail(taskNo, domain);
      if (detail?.TaskStatus === SUCCEEDED) return detail;
      if (detail?.TaskStatus === FAILED) throw taskFailure(action, taskNo, detail);
      if (this.now() + pause > deadline) {
        this.logger.warn({ action, domain, taskNo, status: detail?.TaskStatus }, 'Domain API task not finished in time');
        throw new RegistrarError('transient', `${action}: task ${taskNo} not finished after ${Math.round(this.timing.timeoutMs / 1000)} s (${detail?.TaskStatus ?? 'not listed yet'})`, { rawCode: taskNo });
      }
      await this.sleep(pause);
      pause = Math.min(pause * 2, 10_000);
    }
  }

  private async detail(taskNo: string, domain: string): Promise<TaskDetail | undefined> {
    const page = await this.api.call('QueryTaskDetailList', { TaskNo: taskNo, PageNum: 1, PageSize: 20 });
    const rows = listOf<TaskDetail>(page.Data, 'TaskDetail');
    return rows.find((row) => row.DomainName?.toLowerCase() === domain) ?? rows[0];
  }
}

function taskFailure(action: string, taskNo: string, detail: TaskDetail): RegistrarError {
  const words = detail.ErrorMsg || detail.TaskResult || 'the task failed';
  const code = FAILURES.find(([pattern]) => pattern.test(words))?.[1] ?? 'not_eligible';
  return new RegistrarError(code, `${action}: ${words}`.slice(0, 1000), { rawCode: taskNo });
}

/** The API wraps lists as `{ Data: { <Item>: [...] } }`, and a single item is sometimes not an array. */
export function listOf<T>(data: unknown, item: string): T[] {
  const inner = data && typeof data === 'object' ? (data as Record<string, unknown>)[item] : undefined;
  if (Array.isArray(inner)) return inner as T[];
  return inner && typeof inner === 'object' ? [inner as T] : [];
}
