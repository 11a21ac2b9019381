import { RegistrarError, type TransferStatus } from '../types.ts';

/** One row of QueryTransferInList. */
export interface TransferInInfo {
  DomainName?: string;
  InstanceId?: string;
  Status?: number;
  SimpleTransferInStatus?: string;
  NeedMailCheck?: boolean;
  Email?: string;
  ResultCode?: string;
  ResultMsg?: string;
  SubmissionDateLong?: number;
  ExpirationDateLong?: number;
}

/**
 * QueryTransferInList `Status` → the module's view. 10 submitted, 11 the registrant's
 * confirmation email sent, 19 confirmed, 20/29 name review, 39 with the registry: pending.
 * 31 the code was refused: the transfer waits for a corrected one. 21 name review failed,
 * 50 cancelled, 51 failed, 52 expired: ended. 59 succeeded.
 */
export function transferInStatus(info: TransferInInfo): TransferStatus | { kind: 'completed' } {
  const status = Number(info.Status);
  const why = [info.ResultCode, info.ResultMsg].filter(Boolean).join(': ');
  switch (status) {
    case 10:
    case 11:
    case 19:
    case 20:
    case 29:
    case 39:
      return {
        kind: 'pending',
        reference: info.InstanceId,
        requestedAt: parseApiDate(info.SubmissionDateLong),
        actionDate: parseApiDate(info.ExpirationDateLong),
        ...(status === 11 && info.NeedMailCheck !== false ? { awaiting: 'registrant_email' as const } : {}),
      };
    case 31:
      return { kind: 'rejected', code: 'auth_code_invalid', reason: why || 'the registry refused the transfer code' };
    case 21:
      return { kind: 'rejected', reason: why || 'the domain name failed Alibaba Cloud’s name review' };
    case 50:
      return { kind: 'rejected', reason: why || 'the transfer-in was cancelled' };
    case 51:
      return { kind: 'rejected', reason: why || 'the transfer-in failed' };
    case 52:
      return { kind: 'rejected', reason: why || 'the transfer-in expired before it was confirmed' };
    case 59:
      return { kind: 'completed' };
    default:
      throw new RegistrarError('transient', `unknown transfer-in status ${info.Status} for ${info.DomainName ?? 'the domain'}`);
  }
}

/** CheckTransferInFeasibility's `Code` when `CanTransfer` is false. */
export function feasibilityRefusal(code: string, message: string): RegistrarError {
  const words = [code, message].filter(Boolean).join(': ') || 'the domain cannot be transferred in now';
  if (/Prohibit/i.test(code)) return new RegistrarError('transfer_prohibited', words, { rawCode: code });
  if (/Password|AuthorizationCode|AuthCode/i.test(code)) return new RegistrarError('auth_code_invalid', words, { rawCode: code });
  if (/NotExist|NotRegistered|NotFound/i.test(code)) return new RegistrarError('not_found', words, { rawCode: code });
  return new RegistrarError('not_eligible', words, { rawCode: code });
}

/**
 * The API's dates: epoch milliseconds in the `…Long` fields, else `YYYY-MM-DD HH:mm:ss` in
 * China Standard Time (UTC+8), which Alibaba Cloud's consoles and API use.
 */
export function parseApiDate(value: unknown): Date | undefined {
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) return new Date(value);
  if (typeof value !== 'string' || !value) return undefined;
  if (/^\d{10,}$/.test(value)) return new Date(Number(value));
  const match = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})$/.exec(value);
  const date = match ? new Date(`${match[1]}T${match[2]}+08:00`) : new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
